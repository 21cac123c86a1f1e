package io.jitaccess.cli;

import io.jitaccess.core.Grant;
import io.jitaccess.core.SweepResult;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A subcommand that works on a backend: it merges the global options given at every level, opens a {@link Session}
 * (which sweeps expired grants first), runs, and saves. Subclasses implement {@link #run(Session, Out)}.
 */
abstract class JitCommand implements Callable<Integer> {
    @Mixin
    GlobalOptions global = new GlobalOptions();

    @Spec
    CommandSpec spec;

    /** The global options, the nearest level first. */
    GlobalOptions options() {
        GlobalOptions g = global;
        for (CommandSpec p = spec.parent(); p != null; p = p.parent()) {
            if (p.userObject() instanceof JitCommand c) {
                g = g.orElse(c.global);
            } else if (p.userObject() instanceof Jit j) {
                g = g.orElse(j.global);
            } else if (p.userObject() instanceof PreviewCommand pc) {
                g = g.orElse(pc.global);
            }
        }
        return g;
    }

    Out out() {
        return new Out(spec.commandLine().getOut(), spec.commandLine().getErr(), options().json());
    }

    @Override
    public Integer call() {
        GlobalOptions g = options();
        Out out = out();
        try (Session s = Session.open(g, sweepFirst())) {
            SweepResult swept = s.sweptFirst;
            if (swept != null && !swept.grantsExpired().isEmpty()) {
                for (Grant gr : swept.grantsExpired()) {
                    out.progress("expired first: grant " + gr.id() + " (" + gr.vmId().name() + ":" + gr.number()
                            + " from " + gr.source() + ", ended " + gr.endTimeUtc() + ")");
                }
            }
            return run(s, out);
        }
    }

    /** Whether expired grants are swept before the command (all but {@code sweep} itself). */
    boolean sweepFirst() {
        return true;
    }

    abstract int run(Session s, Out out);
}
