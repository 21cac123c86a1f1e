package io.jitaccess.core;

import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.Escape;
import io.jitaccess.core.spi.LifecycleEvent;
import io.jitaccess.core.spi.LifecycleListener;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes {@link LifecycleEvent}s to the listeners, off the caller's thread: each listener call is a task on the
 * event executor (the host's, or one daemon thread with a queue of {@value #QUEUE} this class owns). A listener that
 * throws is logged and counted; a task the executor refuses or fails to take is dropped and counted. Publishing never
 * throws; with the facade's own executor it never waits either (a host's executor must not block in
 * {@code execute}: it runs under the VM's lock), so no listener can block, fail or delay a grant or an expiry.
 */
final class Events {
    private static final Logger LOG = LoggerFactory.getLogger(JitAccess.class);
    static final int QUEUE = 10_000;

    private final List<LifecycleListener> listeners;
    private final Executor executor;
    private final Clock clock;
    private final LongAdder delivered = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder dropped = new LongAdder();

    Events(List<LifecycleListener> listeners, @Nullable Executor executor, Clock clock) {
        this.listeners = List.copyOf(listeners);
        this.clock = clock;
        if (executor != null || this.listeners.isEmpty()) {
            this.executor = executor != null ? executor : Runnable::run;
        } else {
            // the thread ends after 30 s idle, so a facade never closed leaks nothing and one closed still delivers
            // the events of what it may do after close (revoke, disable, reconcile, sweep)
            ThreadPoolExecutor t = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(QUEUE), r -> {
                        Thread th = new Thread(r, "jit-access-events");
                        th.setDaemon(true);
                        return th;
                    });
            t.allowCoreThreadTimeOut(true);
            this.executor = t;
        }
    }

    /** Publishes an event about grants of one VM. */
    void grants(LifecycleEvent.Type type, VmId vm, String principal, List<Grant> grants, String detail) {
        publish(new LifecycleEvent(type, clock.instant(), vm, principal, grants, List.of(), detail));
    }

    /** Publishes drift found on a VM. */
    void request(LifecycleEvent.Type type, io.jitaccess.core.ApprovalRequest r, String principal, List<Grant> grants,
                 String detail) {
        publish(new LifecycleEvent(type, clock.instant(), r.vmId(), principal, grants, List.of(), detail, r));
    }

    void drift(VmId vm, String principal, List<Drift> drifts, String detail) {
        publish(new LifecycleEvent(LifecycleEvent.Type.DRIFT_FOUND, clock.instant(), vm, principal, List.of(), drifts,
                detail));
    }

    /** Publishes a sweep failure. */
    void sweepFailed(String detail) {
        publish(new LifecycleEvent(LifecycleEvent.Type.SWEEP_FAILED, clock.instant(), null, Audit.SYSTEM, List.of(),
                List.of(), detail));
    }

    private void publish(LifecycleEvent e) {
        for (LifecycleListener l : listeners) {
            try {
                executor.execute(() -> deliver(l, e));
            } catch (RuntimeException x) { // a refusing or broken executor: never the caller's failure
                dropped.increment();
                LOG.warn("jit.event.dropped type={} vm={} cause={} (the event executor refused it)", e.type(),
                        Escape.text(e.vmId()), Escape.controls(x));
            }
        }
    }

    private void deliver(LifecycleListener l, LifecycleEvent e) {
        try {
            l.onEvent(e);
            delivered.increment();
        } catch (Throwable x) {
            if (x instanceof VirtualMachineError && !(x instanceof StackOverflowError)) {
                throw (VirtualMachineError) x; // out of memory, internal error: not a listener's failure to swallow
            }
            if (x instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            failed.increment();
            LOG.warn("jit.event.listener_failed type={} vm={} listener={} cause={}", e.type(), Escape.text(e.vmId()),
                    Escape.text(l.getClass().getName()), Escape.controls(x));
        }
    }

    EventStats stats() {
        return new EventStats(delivered.sum(), failed.sum(), dropped.sum());
    }

}
