package io.jitaccess.examples;

import io.jitaccess.azure.AzureNsgBackend;
import io.jitaccess.core.DefenderJitConflictException;
import io.jitaccess.core.EnableOption;
import io.jitaccess.core.JitAccess;
import io.jitaccess.core.RequestContext;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.spi.PolicyStore;
import io.jitaccess.defender.DefenderDocument;
import io.jitaccess.defender.DefenderImporter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The README's Defender policy import and export (issue 13 §2). */
public final class DefenderMigration {
    private DefenderMigration() {
    }

    /**
     * Imports a Defender document ({@code az security jit-policy list > file}), enables every VM it maps, saves the
     * closed requests as history, and returns the VMs refused because Defender's JIT still manages them.
     */
    public static List<JitPolicy> importFile(JitAccess jit, RequestContext admin, PolicyStore store, Path file) {
        List<JitPolicy> refused = new ArrayList<>();
        // README:defender-import:start
        DefenderDocument doc = DefenderImporter.create()
                .withLimits(jit.config().limits())           // the durations this instance accepts
                .withHistory(true)                           // requests[] as Grant history
                .read(file);                                 // az security jit-policy list > file
        doc.findings().forEach(f -> System.out.println("not imported as is: " + f));
        for (JitPolicy policy : doc.jitPolicies()) {
            try {
                jit.enable(policy, admin);
            } catch (DefenderJitConflictException e) {     // Defender's own JIT rules target the VM
                System.out.println(policy.vmId().name() + ": '" + e.ruleName() + "' in " + e.nsgId()
                        + "; disable JIT in Defender first, or enable with "
                        + EnableOption.COEXIST_WITH_DEFENDER_JIT);
                refused.add(policy);
            }
        }
        doc.saveHistory(store);                              // the closed (Revoked) requests
        // README:defender-import:end
        return refused;
    }

    /** Writes every enabled policy and the grant history back in Defender's schema. */
    public static DefenderDocument exportFile(JitAccess jit, RequestContext admin, PolicyStore store, Path file)
            throws IOException {
        // README:defender-export:start
        DefenderDocument back = DefenderDocument.fromPolicies(jit.policies(admin), store.allGrants(), "westeurope");
        back.findings().forEach(f -> System.out.println("Defender cannot hold: " + f));
        Files.writeString(file, back.toJson());              // {"value":[ one "default" policy per resource group ]}
        // back.policyJson(i): the body of a PUT of policy i to Defender (api-version 2020-01-01)
        // README:defender-export:end
        return back;
    }

    /** Reads the Defender policies of one ASC location live from ARM through the Azure backend. */
    public static DefenderDocument live(AzureNsgBackend azure) {
        // README:defender-live:start
        String listed = azure.readDefenderPolicies("westeurope");   // GET …/locations/westeurope/jitNetworkAccessPolicies
        DefenderDocument doc = DefenderImporter.create().withHistory(true).read(listed);
        // README:defender-live:end
        return doc;
    }
}
