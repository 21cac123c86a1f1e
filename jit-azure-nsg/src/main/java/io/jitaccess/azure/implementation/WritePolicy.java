package io.jitaccess.azure.implementation;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;

/**
 * Adds a conditional header to the <em>write</em> request of one call (PUT/DELETE) and records that request's HTTP
 * status, leaving the long-running-operation polls and the final GET untouched (the SDK reuses the call's Context for
 * polls, so a header set through {@code AddHeadersFromContextPolicy} would leak onto them with a stale value).
 */
public final class WritePolicy implements HttpPipelinePolicy {
    /** Context key: the If-None-Match value to send on the write, e.g. {@code *}. */
    public static final String IF_NONE_MATCH = "io.jitaccess.if-none-match";
    /** Context key: the If-Match value to send on the write. */
    public static final String IF_MATCH = "io.jitaccess.if-match";
    /** Context key: an {@link AtomicInteger} receiving the write's HTTP status. */
    public static final String STATUS = "io.jitaccess.status";

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext ctx, HttpPipelineNextPolicy next) {
        boolean write = before(ctx);
        return next.process().doOnNext(r -> after(ctx, write, r));
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext ctx, HttpPipelineNextSyncPolicy next) {
        boolean write = before(ctx);
        HttpResponse r = next.processSync();
        after(ctx, write, r);
        return r;
    }

    private static boolean before(HttpPipelineCallContext ctx) {
        HttpMethod m = ctx.getHttpRequest().getHttpMethod();
        boolean write = m == HttpMethod.PUT || m == HttpMethod.DELETE;
        if (write) {
            ctx.getData(IF_NONE_MATCH).ifPresent(v -> ctx.getHttpRequest().setHeader(HttpHeaderName.IF_NONE_MATCH,
                    v.toString()));
            ctx.getData(IF_MATCH).ifPresent(v -> ctx.getHttpRequest().setHeader(HttpHeaderName.IF_MATCH,
                    v.toString()));
        }
        return write;
    }

    private static void after(HttpPipelineCallContext ctx, boolean write, HttpResponse r) {
        if (write) {
            ctx.getData(STATUS).ifPresent(h -> ((AtomicInteger) h).set(r.getStatusCode()));
        }
    }
}
