package io.jitaccess.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code jit preview <command>}: the command's plan and effective-access diff, with nothing written. */
@Command(name = "preview", mixinStandardHelpOptions = true,
        description = {"Dry run: what enable, update, disable, request, approve, extend or revoke would write, the "
                + "flows whose verdict changes, exposures left and refusals; nothing is written.",
            "Exits with the code the real command would fail with (3, 4, 5, 6) when it would be refused."},
        footerHeading = "%nExamples:%n",
        footer = {"  jit --world w.json --as barbara@contoso.com --from 203.0.113.10 preview request web-01 --port 22",
            "  jit --world w.json --as admin@contoso.com preview enable web-02 --port 22 --port 3389",
            "  jit --world w.json --as secops@contoso.com preview approve <request-id>"})
final class PreviewCommand implements Runnable {
    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "preview: name a command (enable, update, disable, "
                + "request, approve, extend, revoke)");
    }
}
