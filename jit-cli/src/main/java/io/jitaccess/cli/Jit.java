package io.jitaccess.cli;

import io.jitaccess.core.ValidationException;
import io.jitaccess.core.policy.Violation;
import io.jitaccess.core.spi.Escape;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jit}: the command line of jit-access. {@link #main} runs it as a program; {@link #execute} runs it in process
 * with its own output and error writers (the tests do). Stateless between runs: each run builds its command tree.
 */
@Command(name = "jit", mixinStandardHelpOptions = true, versionProvider = Jit.Version.class,
        description = {"Just-in-time network access to VMs through NSG rules, on Azure (--subscription) or on a "
                + "simulator world kept in a JSON file (--world).",
            "State (policies, grants, approvals): an H2 file (~/.jit-access/state; with --world, FILE.state next to "
                + "it) or --store JDBC_URL. Each command first sweeps expired grants: run 'jit sweep' from cron when "
                + "nothing else runs."},
        subcommands = {OpsCommands.Scan.class, PolicyCommands.Enable.class, PolicyCommands.Update.class,
            PolicyCommands.Disable.class, AccessCommands.Request.class, AccessCommands.Extend.class,
            AccessCommands.Approve.class, AccessCommands.Reject.class, AccessCommands.Revoke.class,
            AccessCommands.Grants.class, PreviewCommand.class, OpsCommands.Verify.class, OpsCommands.Reconcile.class,
            OpsCommands.Sweep.class, DefenderCommands.Import.class, DefenderCommands.Export.class,
            OpsCommands.Check.class, OpsCommands.Completion.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:unexpected error (a bug; --verbose shows the stack trace)",
            "2:usage: unknown option, missing or malformed argument",
            "3:refused: not authorised, invalid (the reason names the field), approval required or refused, "
                + "Defender's own JIT on the VM (--coexist)",
            "4:not found: VM, policy, grant or approval request",
            "5:blocked by a rule: an administrator's deny, no free priority, NSG full; check: traffic denied",
            "6:backend or store failure (ARM, network, database); bulk enable or import-defender: a VM failed",
            "7:verify found drift"},
        footerHeading = "%nExamples:%n",
        footer = {"  jit --world demo.json --as admin@contoso.com enable web-01 --port 22,sources=203.0.113.0/24",
            "  jit --world demo.json --as barbara@contoso.com --from 203.0.113.10 request web-01 --port 22 -d 2h",
            "  jit --world demo.json check 203.0.113.10 web-01 22",
            "  jit --world demo.json --advance 2h1m sweep",
            "  jit --world demo.json --as admin@contoso.com import-defender --file policies.json --dry-run",
            "  jit --subscription $AZURE_SUBSCRIPTION_ID -g rg-prod scan -o json",
            "  jit <command> --help"})
public final class Jit implements Runnable {
    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Spec
    CommandSpec spec;

    /** Runs {@code jit} with the process's arguments and exits with its code. */
    public static void main(String[] args) {
        if (Arrays.asList(args).contains("-v") || Arrays.asList(args).contains("--verbose")) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
        }
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        PrintWriter err = new PrintWriter(System.err, true, StandardCharsets.UTF_8);
        int code = execute(out, err, args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs {@code jit} in process, writing to {@code out} and {@code err}; returns the exit code. */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        return commandLine(out, err).execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Jit());
        CommandLine preview = cl.getSubcommands().get("preview");
        preview.addSubcommand("enable", new PolicyCommands.Enable(true));
        preview.addSubcommand("update", new PolicyCommands.Update(true));
        preview.addSubcommand("disable", new PolicyCommands.Disable(true));
        preview.addSubcommand("request", new AccessCommands.Request(true));
        preview.addSubcommand("approve", new AccessCommands.Approve(true));
        preview.addSubcommand("extend", new AccessCommands.Extend(true));
        preview.addSubcommand("revoke", new AccessCommands.Revoke(true));
        cl.setOut(out);
        cl.setErr(err);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(Jit::failed);
        propagate(cl, out, err);
        return cl;
    }

    private static void propagate(CommandLine cl, PrintWriter out, PrintWriter err) {
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.setOut(out);
            sub.setErr(err);
            sub.setCaseInsensitiveEnumValuesAllowed(true);
            sub.setExecutionExceptionHandler(Jit::failed);
            propagate(sub, out, err);
        }
    }

    /** A failure: one line naming the field on stderr (a JSON error document too with -o json); no stack trace. */
    private static int failed(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        GlobalOptions g = cl.getCommand() instanceof JitCommand c ? c.options() : new GlobalOptions();
        int code = ExitCodes.of(e);
        String reason = reason(e, code);
        PrintWriter err = cl.getErr();
        err.println("jit: " + ExitCodes.kind(code) + ": " + reason);
        if (g.isVerbose() || code == ExitCodes.INTERNAL) {
            if (g.isVerbose()) {
                StringWriter trace = new StringWriter();
                e.printStackTrace(new PrintWriter(trace));
                err.print(Escape.controls(trace.toString()).replace("\\n", System.lineSeparator())
                        .replace("\\t", "    "));
            } else {
                err.println("jit: run again with --verbose for details");
            }
        }
        err.flush();
        if (g.json()) {
            List<Object> violations = e instanceof ValidationException v
                    ? v.violations().stream().map(x -> (Object) Out.violation(x)).toList() : List.of();
            cl.getOut().println(Out.write(Out.obj("error", Out.obj("exitCode", code, "kind", ExitCodes.kind(code),
                    "type", e.getClass().getSimpleName(), "message", reason, "violations", violations))));
            cl.getOut().flush();
        }
        return code;
    }

    private static String reason(Exception e, int code) {
        if (e instanceof ValidationException v) {
            return v.violations().stream().map(Jit::violation).collect(Collectors.joining("; "));
        }
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof io.jitaccess.core.DefenderJitConflictException) {
            m = m.replace("EnableOption.COEXIST_WITH_DEFENDER_JIT", "--coexist");   // the CLI's spelling
        }
        if (code == ExitCodes.INTERNAL) {
            m = e.getClass().getSimpleName() + ": " + m;
        }
        return Escape.controls(m.lines().collect(Collectors.joining(" ")));
    }

    private static String violation(Violation v) {
        return v.field() + (v.value() == null ? "" : " '" + Escape.text(v.value()) + "'") + ": "
                + Escape.controls(v.reason());
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a command (jit --help lists them)");
    }

    /** The version from the jar's manifest (or "development" when run from classes). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Jit.class.getPackage().getImplementationVersion();
            return new String[] {"jit " + (v == null ? "(development build)" : v) + " (jit-access)"};
        }
    }
}
