package io.jitaccess.cli;

import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The options every command takes, before or after the subcommand's name ({@code jit --world w.json grants} and
 * {@code jit grants --world w.json} are the same); the one nearest the subcommand wins. Not thread-safe.
 */
final class GlobalOptions {
    /** {@code --output}'s values. */
    enum Format { text, json }

    @Option(names = "--world", paramLabel = "FILE", order = 100,
            description = "A simulator world (JSON: topology and NSG rules), loaded before and saved after the "
                    + "command; a missing file starts as a copy of the bundled demo world.")
    Path world;

    @Option(names = "--subscription", paramLabel = "ID", order = 101,
            description = "Azure: the subscription (DefaultAzureCredential: az login, environment, managed identity).")
    String subscription;

    @Option(names = "--tenant", paramLabel = "ID", order = 102, description = "Azure: the tenant (optional).")
    String tenant;

    @Option(names = {"-g", "--resource-group"}, paramLabel = "RG", order = 103,
            description = "The resource group of VM names (Azure), and the scope of scan.")
    String resourceGroup;

    @Option(names = "--store", paramLabel = "JDBC_URL", order = 104,
            description = "Where policies, grants and approvals live: a JDBC URL (jdbc:postgresql://... shares "
                    + "state with a service). Default: an H2 file in ~/.jit-access/state, or next to --world FILE "
                    + "(FILE.state).")
    String store;

    @Option(names = "--as", paramLabel = "PRINCIPAL", order = 105,
            description = "Simulator only: who is calling (Azure: the principal of the credential's token).")
    String principal;

    @Option(names = "--from", paramLabel = "IP", order = 106,
            description = "The caller's own address: the source of a request that names none.")
    String from;

    @Option(names = "--advance", paramLabel = "DURATION", order = 107,
            description = "Simulator only: move the world's clock ahead first (PT2H, 90m, 1h); kept in the world.")
    String advance;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", order = 108,
            description = "text (tables, default) or json (stable field names, for scripts).")
    Format output;

    @Option(names = {"-v", "--verbose"}, order = 109,
            description = "Details: library log lines (info), stack traces of unexpected errors.")
    Boolean verbose;

    /** This, with every option not set here taken from {@code outer}. */
    GlobalOptions orElse(GlobalOptions outer) {
        GlobalOptions g = new GlobalOptions();
        g.world = world != null ? world : outer.world;
        g.subscription = subscription != null ? subscription : outer.subscription;
        g.tenant = tenant != null ? tenant : outer.tenant;
        g.resourceGroup = resourceGroup != null ? resourceGroup : outer.resourceGroup;
        g.store = store != null ? store : outer.store;
        g.principal = principal != null ? principal : outer.principal;
        g.from = from != null ? from : outer.from;
        g.advance = advance != null ? advance : outer.advance;
        g.output = output != null ? output : outer.output;
        g.verbose = verbose != null ? verbose : outer.verbose;
        return g;
    }

    boolean json() {
        return output == Format.json;
    }

    boolean isVerbose() {
        return Boolean.TRUE.equals(verbose);
    }

    Duration advanceBy() {
        return advance == null ? Duration.ZERO : Specs.duration("--advance", advance);
    }
}
