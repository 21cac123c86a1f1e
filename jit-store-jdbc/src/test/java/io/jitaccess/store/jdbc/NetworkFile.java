package io.jitaccess.store.jdbc;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.ArmRuleProperties;
import io.jitaccess.inmemory.InMemoryNetwork;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator's state across processes, for the multi-process tests only. {@link InMemoryNetwork} has no export or
 * import, so: the topology is rebuilt by code ({@link #world}, deterministic ids), and the NSGs' custom rules go to a
 * file as ARM's rule properties (the strings a child-rule PUT carries), loaded back through
 * {@link InMemoryNetwork#putRule(String, String, ArmRuleProperties)}, which validates them as ARM does. Rules naming
 * application security groups or opaque rules are not supported (the library writes neither).
 */
final class NetworkFile {
    private NetworkFile() {
    }

    /** A fresh simulator with {@code vms} VMs {@code vm0..}, each behind its own NIC NSG; same ids in every JVM. */
    static InMemoryNetwork world(int vms) {
        InMemoryNetwork net = InMemoryNetwork.create();
        net.addVirtualNetwork("vnet1", "10.0.0.0/16");
        String subnet = net.addSubnet("vnet1", "default", "10.0.0.0/24");
        for (int i = 0; i < vms; i++) {
            net.addVm("vm" + i, subnet, "10.0.0." + (10 + i), net.addNsg("vm" + i + "-nsg"));
        }
        return net;
    }

    static VmId vm(InMemoryNetwork net, int i) {
        return net.vms().get(i);
    }

    /** Writes every custom rule of every NSG (atomically: a reader sees the old file or the new one). */
    static void save(InMemoryNetwork net, Path file) {
        ArrayList<String[]> rows = new ArrayList<>();
        for (String nsg : net.nsgIds()) {
            for (SecurityRule r : net.snapshot(nsg).rules()) {
                ArmRuleProperties p = ArmRuleProperties.from(r);
                rows.add(new String[] {nsg, r.name(), p.protocol(), p.sourcePortRange(),
                        String.join(",", p.sourcePortRanges()), p.destinationPortRange(),
                        String.join(",", p.destinationPortRanges()), p.sourceAddressPrefix(),
                        String.join(",", p.sourceAddressPrefixes()), p.destinationAddressPrefix(),
                        String.join(",", p.destinationAddressPrefixes()), p.access(),
                        Integer.toString(p.priority()), p.direction(), p.description()});
            }
        }
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), "rules", ".tmp");
            try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(tmp))) {
                out.writeObject(rows);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Puts the file's rules into {@code net} (a fresh {@link #world} of the same size); none when there is no file. */
    static InMemoryNetwork load(InMemoryNetwork net, Path file) {
        if (!Files.exists(file)) {
            return net;
        }
        List<String[]> rows;
        try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(file))) {
            @SuppressWarnings("unchecked")
            List<String[]> read = (List<String[]>) in.readObject();
            rows = read;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
        for (String[] r : rows) {
            net.putRule(r[0], r[1], new ArmRuleProperties(r[2], r[3], list(r[4]), r[5], list(r[6]), r[7],
                    list(r[8]), r[9], list(r[10]), r[11], Integer.valueOf(r[12]), r[13], r[14]));
        }
        return net;
    }

    private static List<String> list(String joined) {
        return joined.isEmpty() ? List.of() : List.of(joined.split(","));
    }
}
