package io.jitaccess.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpRequest;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import com.azure.resourcemanager.resources.fluentcore.utils.HttpPipelineProvider;
import io.jitaccess.azure.implementation.ArmPermissions;
import io.jitaccess.core.Action;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.spi.AuthorizationRequest;
import io.jitaccess.core.spi.Authorizer;
import io.jitaccess.core.spi.Escape;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link Authorizer} that asks Azure RBAC: before each action it reads what the caller may do on the VM,
 * {@code GET {vmId}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01} (one entry per role the
 * caller holds at the VM, its resource group or its subscription, inherited ones included), and allows the action when
 * every ARM action configured for it is granted ({@link io.jitaccess.azure.implementation.ArmPermissions}: some entry's
 * {@code actions} matches, none of that entry's {@code notActions} does; case-insensitive, {@code *} wildcards).
 *
 * <h2>Whose permissions: the identity model</h2>
 * ARM answers the permissions API for <em>the identity whose token signs the request</em>, never for a principal
 * named in it. So the authorizer sends each question with the caller's own credential, chosen per principal:
 * <ul>
 *   <li>{@link Builder#callerCredential(TokenCredential)}: one credential for every principal. Right only where the
 *       principal <em>is</em> that identity: a command-line tool run by the user with their own
 *       {@code DefaultAzureCredential} ({@code az login}), whose principal is taken from the same token.</li>
 *   <li>{@link Builder#credentials(Function)}: a credential per principal, for a service acting for its users, e.g.
 *       an {@code OnBehalfOfCredential} made from the user's incoming token. Returning {@code null} refuses.</li>
 *   <li>{@link Builder#httpPipelines(Function)}: a whole SDK {@link HttpPipeline} per principal (a proxy, your own
 *       policies, a local endpoint in tests). Returning {@code null} refuses.</li>
 * </ul>
 * Never give a service's own identity to {@code callerCredential}: every user would then have the service's rights.
 *
 * <h2>Actions</h2>
 * Defaults follow Defender for Cloud's JIT roles ({@link #defaultArmActions()}): request and extend need
 * {@code .../jitNetworkAccessPolicies/initiate/action}, {@code .../read} and {@code Microsoft.Compute/virtualMachines/read};
 * configure needs {@code .../write} and {@code Microsoft.Compute/virtualMachines/write}; read needs {@code .../read};
 * approve and revoke, which Defender has no action for, need {@code .../write} (the policy's owners); a requester may
 * revoke their own grant with {@code .../initiate/action} ({@link Builder#ownGrantRevokeActions}). Each list can be
 * replaced with {@link Builder#armActions(Action, String...)}. An action without a list is refused.
 *
 * <h2>Caching and failures</h2>
 * A successful answer is cached per principal and VM for {@link Builder#cacheTtl} (default 60 s, so a role removed in
 * Azure takes up to that long to apply here; {@link #invalidateAll()} forgets everything), at most
 * {@link Builder#maxCacheEntries} entries (least recently used go first). It fails closed: no identity for the
 * principal, ARM unreachable or slower than {@link Builder#timeout}, any status but 200 (401, 403, 404, 429 and 5xx
 * included, after whatever retries the pipeline's own {@code RetryPolicy} makes), a malformed body or a
 * {@code nextLink} to another host all refuse, are logged ({@code jit.azure.rbac.unavailable}, values escaped), and
 * are never cached. Each refusal is logged as {@code jit.azure.rbac.denied} with the ARM actions missing.
 *
 * <p>Thread-safe. Build with {@link #builder()}; building makes no network call.
 */
public final class AzureRbacAuthorizer implements Authorizer {
    private static final Logger LOG = LoggerFactory.getLogger(AzureRbacAuthorizer.class);

    /** The api-version of the permissions API used by default. */
    public static final String API_VERSION = "2022-04-01";
    /** Defender's action to read JIT policies. */
    public static final String JIT_READ = "Microsoft.Security/locations/jitNetworkAccessPolicies/read";
    /** Defender's action to create or update a JIT policy. */
    public static final String JIT_WRITE = "Microsoft.Security/locations/jitNetworkAccessPolicies/write";
    /** Defender's action to request (initiate) access. */
    public static final String JIT_INITIATE = "Microsoft.Security/locations/jitNetworkAccessPolicies/initiate/action";
    /** Read a virtual machine. */
    public static final String VM_READ = "Microsoft.Compute/virtualMachines/read";
    /** Write a virtual machine. */
    public static final String VM_WRITE = "Microsoft.Compute/virtualMachines/write";

    private static final int MAX_PAGES = 20;

    private final Function<String, HttpPipeline> pipelines;
    private final String endpoint;
    private final URI endpointUri;
    private final String apiVersion;
    private final Map<Action, List<String>> armActions;
    private final List<String> ownGrantRevoke;
    private final Duration ttl;
    private final int maxEntries;
    private final Clock clock;
    private final Duration timeout;
    private final Map<Key, Cached> cache;

    private record Key(String principal, String scope) {
    }

    private record Cached(ArmPermissions permissions, Instant fetched) {
    }

    private AzureRbacAuthorizer(Builder b, Function<String, HttpPipeline> pipelines) {
        this.pipelines = pipelines;
        String e = b.environment.getResourceManagerEndpoint();
        if (e == null || e.isBlank()) {
            throw new IllegalStateException("the environment has no resourceManagerEndpointUrl");
        }
        this.endpoint = e.endsWith("/") ? e.substring(0, e.length() - 1) : e;
        this.endpointUri = URI.create(endpoint);
        this.apiVersion = b.apiVersion;
        this.armActions = Map.copyOf(b.armActions);
        this.ownGrantRevoke = List.copyOf(b.ownGrantRevoke);
        this.ttl = b.cacheTtl;
        this.maxEntries = b.maxCacheEntries;
        this.clock = b.clock;
        this.timeout = b.timeout;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Key, Cached> eldest) {
                return size() > maxEntries;
            }
        };
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The ARM actions each library action needs by default (all of them, for that action), following Defender for
     * Cloud's JIT permissions.
     *
     * @return an unmodifiable map with an entry for every {@link Action}
     */
    public static Map<Action, List<String>> defaultArmActions() {
        Map<Action, List<String>> m = new EnumMap<>(Action.class);
        m.put(Action.READ, List.of(JIT_READ));
        m.put(Action.REQUEST, List.of(JIT_INITIATE, JIT_READ, VM_READ));
        m.put(Action.EXTEND, List.of(JIT_INITIATE, JIT_READ, VM_READ));
        m.put(Action.CONFIGURE, List.of(JIT_WRITE, VM_WRITE));
        m.put(Action.APPROVE, List.of(JIT_WRITE));
        m.put(Action.REVOKE, List.of(JIT_WRITE));
        return java.util.Collections.unmodifiableMap(m);
    }

    /**
     * The ARM actions this authorizer requires for a library action.
     *
     * @param action the library action
     * @return the ARM actions, all needed; empty when the action is always refused
     */
    public List<String> armActions(Action action) {
        return armActions.getOrDefault(Objects.requireNonNull(action, "action"), List.of());
    }

    @Override
    public boolean isAllowed(String principal, Action action, VmId vmId) {
        return isAllowed(AuthorizationRequest.onVm(principal, action, vmId));
    }

    /**
     * Allowed when the caller holds every ARM action configured for the action at the VM's scope; a revoke of the
     * caller's own grant is also allowed with the {@linkplain Builder#ownGrantRevokeActions own-grant actions}. An
     * unknown VM (a grant id no grant has) is refused without asking ARM.
     */
    @Override
    public boolean isAllowed(AuthorizationRequest request) {
        Objects.requireNonNull(request, "request");
        if (request.vmId().isEmpty()) {
            return false;
        }
        String principal = request.principal();
        VmId vm = request.vmId().get();
        List<String> needed = armActions(request.action());
        if (needed.isEmpty()) {
            LOG.info("jit.azure.rbac.denied principal={} action={} vm={} reason=NoActionsConfigured",
                    Escape.text(principal), request.action(), Escape.text(vm));
            return false;
        }
        Optional<ArmPermissions> perms = permissions(principal, vm);
        if (perms.isEmpty()) {
            LOG.info("jit.azure.rbac.denied principal={} action={} vm={} reason=PermissionsUnavailable",
                    Escape.text(principal), request.action(), Escape.text(vm));
            return false;
        }
        List<String> missing = needed.stream().filter(a -> !perms.get().allows(a)).toList();
        if (missing.isEmpty()) {
            return true;
        }
        boolean ownGrant = request.action() == Action.REVOKE && !ownGrantRevoke.isEmpty()
                && request.grant().map(g -> g.requestor().equals(principal)).orElse(false);
        if (ownGrant && ownGrantRevoke.stream().allMatch(a -> perms.get().allows(a))) {
            return true;
        }
        LOG.info("jit.azure.rbac.denied principal={} action={} vm={} missing={}", Escape.text(principal),
                request.action(), Escape.text(vm), Escape.text(String.join(",", missing)));
        return false;
    }

    /** Forgets every cached answer (e.g. after changing role assignments). */
    public void invalidateAll() {
        synchronized (cache) {
            cache.clear();
        }
    }

    /** Cached answers (tests). */
    int cacheSize() {
        synchronized (cache) {
            return cache.size();
        }
    }

    // ------------------------------------------------------------------------------------------------ ARM

    /** The caller's permissions at the VM: cached, or one fresh read; empty when ARM could not answer. */
    private Optional<ArmPermissions> permissions(String principal, VmId vm) {
        Key key = new Key(principal, vm.value().toLowerCase(Locale.ROOT));
        Instant now = clock.instant();
        synchronized (cache) {
            Cached c = cache.get(key);
            if (c != null && !now.isBefore(c.fetched()) && now.isBefore(c.fetched().plus(ttl))) {
                return Optional.of(c.permissions());
            }
            if (c != null) {
                cache.remove(key);
            }
        }
        Optional<ArmPermissions> fresh = fetch(principal, vm);
        if (fresh.isPresent() && !ttl.isZero()) {
            synchronized (cache) {
                cache.put(key, new Cached(fresh.get(), now));
            }
        }
        return fresh;
    }

    private record Answer(int status, byte[] body) {
    }

    private Optional<ArmPermissions> fetch(String principal, VmId vm) {
        HttpPipeline pipeline;
        try {
            pipeline = pipelines.apply(principal);
        } catch (RuntimeException e) {
            unavailable(principal, vm, "NoIdentity", e.getClass().getSimpleName());
            return Optional.empty();
        }
        if (pipeline == null) {
            unavailable(principal, vm, "NoIdentity", "no credential for the principal");
            return Optional.empty();
        }
        String url = endpoint + pathOf(vm.value()) + "/providers/Microsoft.Authorization/permissions?api-version="
                + apiVersion;
        ArmPermissions all = new ArmPermissions(List.of());
        for (int page = 0; page < MAX_PAGES; page++) {
            Answer a;
            try {
                a = send(pipeline, url);
            } catch (RuntimeException e) {
                unavailable(principal, vm, "Unreachable", e.getClass().getSimpleName() + ": " + firstLine(e));
                return Optional.empty();
            }
            if (a.status() != 200) {
                unavailable(principal, vm, "HttpStatus" + a.status(), errorCode(a.body()));
                return Optional.empty();
            }
            ArmPermissions.Page p;
            try {
                p = ArmPermissions.parse(a.body());
            } catch (IllegalArgumentException e) {
                unavailable(principal, vm, "MalformedBody", e.getMessage());
                return Optional.empty();
            }
            all = all.plus(p.permissions());
            if (p.nextLink().isEmpty()) {
                LOG.debug("jit.azure.rbac.read principal={} vm={} entries={} pages={}", Escape.text(principal),
                        Escape.text(vm), all.entries().size(), page + 1);
                return Optional.of(all);
            }
            if (!sameOrigin(p.nextLink().get())) {
                unavailable(principal, vm, "MalformedBody", "nextLink to another host");
                return Optional.empty();
            }
            url = p.nextLink().get();
        }
        unavailable(principal, vm, "MalformedBody", "more than " + MAX_PAGES + " pages");
        return Optional.empty();
    }

    private Answer send(HttpPipeline pipeline, String url) {
        HttpRequest req = new HttpRequest(HttpMethod.GET, url).setHeader(HttpHeaderName.ACCEPT, "application/json");
        Answer a = pipeline.send(req).flatMap(resp -> resp.getBodyAsByteArray().defaultIfEmpty(new byte[0])
                        .map(b -> new Answer(resp.getStatusCode(), b)).doFinally(s -> resp.close()))
                .block(timeout);
        if (a == null) {
            throw new IllegalStateException("no response");
        }
        return a;
    }

    private boolean sameOrigin(String link) {
        try {
            URI u = URI.create(link);
            return Objects.equals(lower(u.getScheme()), lower(endpointUri.getScheme()))
                    && Objects.equals(lower(u.getHost()), lower(endpointUri.getHost()))
                    && u.getPort() == endpointUri.getPort();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String lower(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    /** The resource id as a URL path: each segment percent-encoded (UTF-8), all but unreserved characters. */
    static String pathOf(String resourceId) {
        StringBuilder b = new StringBuilder();
        for (String seg : resourceId.split("/", -1)) {
            if (seg.isEmpty()) {
                continue;
            }
            b.append('/');
            for (byte x : seg.getBytes(StandardCharsets.UTF_8)) {
                char c = (char) (x & 0xff);
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'
                        || c == '.' || c == '_' || c == '~') {
                    b.append(c);
                } else {
                    b.append('%').append(String.format("%02X", x & 0xff));
                }
            }
        }
        return b.toString();
    }

    private void unavailable(String principal, VmId vm, String reason, String detail) {
        LOG.warn("jit.azure.rbac.unavailable principal={} vm={} reason={} detail=\"{}\"", Escape.text(principal),
                Escape.text(vm), reason, Escape.text(detail));
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null) {
            return "";
        }
        String line = m.lines().findFirst().orElse("");
        return line.length() > 200 ? line.substring(0, 200) : line;
    }

    /** ARM's error code from an error body, or empty. */
    private static String errorCode(byte[] body) {
        if (body == null || body.length == 0 || body.length > 64 * 1024) {
            return "";
        }
        try (JsonReader r = JsonProviders.createReader(body)) {
            if (r.readUntyped() instanceof Map<?, ?> m && m.get("error") instanceof Map<?, ?> err
                    && err.get("code") instanceof String code) {
                return code.length() > 100 ? code.substring(0, 100) : code;
            }
        } catch (IOException | RuntimeException e) {
            return "";
        }
        return "";
    }

    // ------------------------------------------------------------------------------------------------ builder

    /** Builds an {@link AzureRbacAuthorizer}: choose exactly one way to reach ARM as the caller. */
    public static final class Builder {
        private Function<String, HttpPipeline> pipelines;
        private Function<String, TokenCredential> credentials;
        private TokenCredential callerCredential;
        private AzureEnvironment environment = AzureEnvironment.AZURE;
        private String apiVersion = API_VERSION;
        private final Map<Action, List<String>> armActions = new EnumMap<>(defaultArmActions());
        private List<String> ownGrantRevoke = List.of(JIT_INITIATE);
        private Duration cacheTtl = Duration.ofSeconds(60);
        private int maxCacheEntries = 10_000;
        private Clock clock = Clock.systemUTC();
        private Duration timeout = Duration.ofSeconds(10);

        private Builder() {
        }

        /**
         * One credential whose identity is every caller: for a tool run by the user with their own credential (e.g.
         * {@code new DefaultAzureCredentialBuilder().build()} after {@code az login}). Not for a service: see the
         * class documentation.
         */
        public Builder callerCredential(TokenCredential credential) {
            this.callerCredential = Objects.requireNonNull(credential, "credential");
            return this;
        }

        /**
         * The credential that acts as each principal (e.g. on behalf of the user's incoming token); {@code null}
         * refuses the principal. Each read of the permissions builds an ARM pipeline for it (cache misses only).
         */
        public Builder credentials(Function<String, TokenCredential> credentialOfPrincipal) {
            this.credentials = Objects.requireNonNull(credentialOfPrincipal, "credentialOfPrincipal");
            return this;
        }

        /**
         * The SDK pipeline that sends as each principal (its authentication included, or none for a local endpoint);
         * {@code null} refuses the principal. The pipeline's own policies, retries included, apply.
         */
        public Builder httpPipelines(Function<String, HttpPipeline> pipelineOfPrincipal) {
            this.pipelines = Objects.requireNonNull(pipelineOfPrincipal, "pipelineOfPrincipal");
            return this;
        }

        /** The cloud (its Resource Manager endpoint); default {@link AzureEnvironment#AZURE}. */
        public Builder environment(AzureEnvironment environment) {
            this.environment = Objects.requireNonNull(environment, "environment");
            return this;
        }

        /** The permissions API's api-version; default {@value AzureRbacAuthorizer#API_VERSION}. */
        public Builder apiVersion(String version) {
            this.apiVersion = Objects.requireNonNull(version, "version");
            if (!version.matches("[0-9A-Za-z.-]{1,40}")) {
                throw new IllegalArgumentException("apiVersion must look like 2022-04-01");
            }
            return this;
        }

        /**
         * Replaces the ARM actions a library action needs (all of them); none refuses the action always.
         *
         * @param action     the library action
         * @param armActions ARM actions, e.g. {@code Microsoft.Security/locations/jitNetworkAccessPolicies/write}
         * @return this builder
         */
        public Builder armActions(Action action, String... armActions) {
            Objects.requireNonNull(action, "action");
            this.armActions.put(action, checked(armActions));
            return this;
        }

        /**
         * The ARM actions with which a requester may revoke their own grant (default
         * {@value AzureRbacAuthorizer#JIT_INITIATE}: who may open access may close their own); none turns this off,
         * so owners need {@link Action#REVOKE}'s actions like anyone.
         */
        public Builder ownGrantRevokeActions(String... armActions) {
            this.ownGrantRevoke = checked(armActions);
            return this;
        }

        private static List<String> checked(String... actions) {
            Objects.requireNonNull(actions, "armActions");
            for (String a : actions) {
                if (a == null || a.isBlank() || a.chars().anyMatch(c -> Escape.isUnsafe((char) c))) {
                    throw new IllegalArgumentException("ARM action must be non-blank text: " + Escape.text(a));
                }
            }
            return List.of(actions);
        }

        /** How long an answer is reused for the same principal and VM; default 60 s; zero disables the cache. */
        public Builder cacheTtl(Duration ttl) {
            Objects.requireNonNull(ttl, "ttl");
            if (ttl.isNegative()) {
                throw new IllegalArgumentException("cacheTtl must not be negative");
            }
            this.cacheTtl = ttl;
            return this;
        }

        /** The most answers kept (least recently used dropped first); default 10,000. */
        public Builder maxCacheEntries(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxCacheEntries must be at least 1");
            }
            this.maxCacheEntries = max;
            return this;
        }

        /** The clock for cache expiry; default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long one ARM request may take before the action is refused; default 10 s. */
        public Builder timeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            this.timeout = timeout;
            return this;
        }

        /** Builds the authorizer. Makes no network call. */
        public AzureRbacAuthorizer build() {
            int ways = (pipelines != null ? 1 : 0) + (credentials != null ? 1 : 0) + (callerCredential != null ? 1 : 0);
            if (ways != 1) {
                throw new IllegalStateException("choose exactly one of callerCredential, credentials, httpPipelines");
            }
            AzureProfile profile = new AzureProfile(null, null, environment);
            Function<String, HttpPipeline> p;
            if (pipelines != null) {
                p = pipelines;
            } else if (credentials != null) {
                Function<String, TokenCredential> c = credentials;
                p = principal -> {
                    TokenCredential cred = c.apply(principal);
                    return cred == null ? null : HttpPipelineProvider.buildHttpPipeline(cred, profile);
                };
            } else {
                HttpPipeline shared = HttpPipelineProvider.buildHttpPipeline(callerCredential, profile);
                p = principal -> shared;
            }
            return new AzureRbacAuthorizer(this, p);
        }
    }
}
