package io.jitaccess.azure;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;
import com.azure.json.JsonWriter;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jitaccess.core.BackendException;
import io.jitaccess.core.NotFoundException;
import io.jitaccess.core.arm.ArmDialect;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.policy.VmId;
import io.jitaccess.core.rules.NsgSnapshot;
import io.jitaccess.core.rules.SecurityRule;
import io.jitaccess.inmemory.ArmRuleProperties;
import io.jitaccess.inmemory.InMemoryNetwork;
import io.jitaccess.inmemory.Topology;
import io.jitaccess.core.rules.DefaultRules;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local ARM-compatible HTTP endpoint on 127.0.0.1 for the Azure backend's tests. State lives in an
 * {@link InMemoryNetwork}, so ARM's rule validation and error codes are the simulator's, and connectivity can be
 * checked with {@code canConnect}. Serves the VM (generic read), NICs, virtual networks, subnets, NSGs, the NSG
 * listing (paged with nextLink), Defender's JIT policy listing by region ({@link #defenderJitPolicies}) and security
 * rules (GET, PUT, DELETE; {@code If-Match} and {@code If-None-Match}
 * honoured on writes, 412 {@code PreconditionFailed} otherwise), with ARM's JSON shapes, ETags, long-running
 * operations (201 + Azure-AsyncOperation; 202 + Location) and errors, and the permissions API
 * ({@link #permissions}: bodies per caller token and scope). Records every request.
 *
 * <p>Timing and load, all off by default: {@link #lroDuration} times each write's operation on the real clock and
 * serialises writes per NSG as ARM does (a rule write to an NSG whose operation runs gets {@link #conflictAnswer},
 * 429 {@code RetryableErrorDueToAnotherOperation} by default, without effect; other NSGs and reads proceed);
 * {@link #completeOperations} ends the running ones (tests hold an operation open for an hour and end it on cue);
 * {@link #throttleReads} and {@link #throttleEveryNthRead} answer resource GETs (the SDK's final GET after an
 * operation included, LRO polls not) with 429 {@code TooManyRequests} and {@code Retry-After}. Serialisation is the
 * endpoint's own: do not also set {@link InMemoryNetwork#writeLatency} on the network it serves (its writes are made
 * under the network's lock, where the simulator does not wait).
 */
final class FakeArm implements AutoCloseable {
    static final String API_NETWORK = "2025-03-01";

    static {
        // the JDK server writes a response's headers and body separately; with Nagle's algorithm on, the body waits
        // for the client's delayed ACK (about 40 ms a response): what real ARM never does (read before the first
        // HttpServer is created, so set here)
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** One recorded request. */
    record Request(String method, String path, Map<String, String> query, Map<String, String> headers, String body,
                   int status, long nanos, int responseBytes, Map<String, String> responseHeaders,
                   String responseBody) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** A response header, by case-insensitive name, or null. */
        String responseHeader(String name) {
            return responseHeaders.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(Map.Entry::getValue).findFirst().orElse(null);
        }

        boolean isPoll() {
            return path.contains("/operations/") || path.contains("/operationResults/");
        }
    }

    /** A scripted response for the next request that matches. */
    record Scripted(String method, String pathContains, int status, Map<String, String> headers, String body) {
    }

    private final InMemoryNetwork net;
    private final HttpServer server;
    private final List<Request> log = Collections.synchronizedList(new ArrayList<>());
    private final Deque<Scripted> scripted = new ArrayDeque<>();
    private final Deque<Runnable> beforeWrite = new ArrayDeque<>();
    private final Map<String, Op> ops = new ConcurrentHashMap<>();
    private final AtomicInteger opSeq = new AtomicInteger();
    private volatile boolean asyncWrites;
    private volatile boolean failuresThroughLro;
    private volatile int inProgressPolls;
    private volatile String retryAfter;
    private volatile int pageSize = 50;
    /** Bodies served verbatim for GET, by lower-case resource path. */
    private final Map<String, String> verbatim = new ConcurrentHashMap<>();
    /** Verbatim NSG bodies, by lower-case NSG id: every field as recorded except the ETag and the custom rules. */
    private final Map<String, Map<String, Object>> nsgTemplates = new ConcurrentHashMap<>();
    /** Verbatim rule bodies, by lower-case {@code nsgId/ruleName}, served while the stored rule is unchanged. */
    private final Map<String, VerbatimRule> verbatimRules = new ConcurrentHashMap<>();

    private record VerbatimRule(Map<String, Object> json, SecurityRule stored) {
    }

    private static final class Op {
        final String id;
        final String error;
        final String message;
        int pollsLeft;
        /** {@link System#nanoTime()} at which the operation ends ({@link #lroDuration}); 0: ends by polls only. */
        volatile long doneAt;

        Op(String id, String error, String message, int pollsLeft, long doneAt) {
            this.id = id;
            this.error = error;
            this.message = message;
            this.pollsLeft = pollsLeft;
            this.doneAt = doneAt;
        }

        boolean running() {
            long d = doneAt;
            return d != 0 && System.nanoTime() - d < 0;
        }
    }

    private volatile Duration lroDuration = Duration.ZERO;
    /** The latest timed operation on each NSG, by lower-case NSG id: the NSG is busy while it runs. */
    private final Map<String, Op> running = new ConcurrentHashMap<>();
    private volatile int conflictStatus = 429;
    private volatile String conflictCode = ArmDialect.RETRYABLE_ERROR_DUE_TO_ANOTHER_OPERATION;
    private int readThrottles;
    private int readThrottleEvery;
    private long readsSinceEvery;
    private Duration readRetryAfter = Duration.ZERO;

    FakeArm(InMemoryNetwork net) throws IOException {
        this.net = net;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        server.start();
    }

    String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Writes answer 201 Updating + Azure-AsyncOperation (PUT) or 202 + Location (DELETE), as real ARM does. */
    FakeArm asyncWrites(boolean on) {
        asyncWrites = on;
        return this;
    }

    /** Write errors (validation, conflicts) are reported through a Failed LRO (status 200) instead of a 400. */
    FakeArm failuresThroughLro(boolean on) {
        failuresThroughLro = on;
        asyncWrites = asyncWrites || on;
        return this;
    }

    /**
     * The next {@code times} rule PUTs are accepted (201 Updating + Azure-AsyncOperation) but not applied, and their
     * operation ends Failed with this ARM error code: what ARM answers for a write that ran into another operation
     * ({@code RetryableErrorDueToAnotherOperation}).
     */
    synchronized FakeArm failNextPutsThroughLro(String code, int times) {
        for (int i = 0; i < times; i++) {
            lroFailures.add(code);
        }
        return this;
    }

    private final Deque<String> lroFailures = new ArrayDeque<>();

    private synchronized String takeLroFailure() {
        return lroFailures.poll();
    }

    /**
     * Each write's long-running operation lasts {@code d} on the real clock (turns {@link #asyncWrites} on when
     * positive): a rule PUT answers 201/200 Updating + Azure-AsyncOperation, a DELETE 202 + Location, and the polls
     * answer InProgress until {@code d} has passed since the write (and {@link #inProgressPolls} are used up). The
     * write is applied when accepted; while its operation runs, its NSG is busy: another rule write to it (PUT or
     * DELETE, whole-NSG PUT too) is refused with {@link #conflictAnswer} and no effect, as ARM serialises writes per
     * NSG, while writes to other NSGs and every GET proceed. A write refused synchronously (400, 404, 412) starts no
     * operation. Default zero: no timed operation, nothing is ever busy (today's behaviour).
     */
    FakeArm lroDuration(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("negative LRO duration: " + d);
        }
        lroDuration = d;
        asyncWrites = asyncWrites || !d.isZero();
        return this;
    }

    /**
     * What a rule write to a busy NSG gets: HTTP {@code status} with ARM error {@code code}. Default 429
     * {@code RetryableErrorDueToAnotherOperation} (the network RP's documented answer for a resource locked by another
     * operation); the other ARM answer is 409 {@code AnotherOperationInProgress}. No {@code Retry-After} (ARM's is not
     * documented for it).
     */
    FakeArm conflictAnswer(int status, String code) {
        conflictStatus = status;
        conflictCode = code;
        return this;
    }

    /** Ends every running operation now: the next polls answer the terminal status, no NSG is busy any more. */
    FakeArm completeOperations() {
        long now = System.nanoTime();
        ops.values().forEach(o -> {
            if (o.running()) {
                o.doneAt = now;
            }
        });
        running.clear();
        return this;
    }

    /**
     * The next {@code count} resource GETs (not LRO polls) answer 429 {@code TooManyRequests} with
     * {@code Retry-After} in whole seconds (rounded up), as ARM throttles reads.
     */
    synchronized FakeArm throttleReads(int count, Duration retryAfter) {
        readThrottles = count;
        readRetryAfter = retryAfter;
        return this;
    }

    /** Every {@code n}-th resource GET from now (not LRO polls) answers 429 as {@link #throttleReads}; 0 stops. */
    synchronized FakeArm throttleEveryNthRead(int n, Duration retryAfter) {
        readThrottleEvery = n;
        readsSinceEvery = 0;
        readRetryAfter = retryAfter;
        return this;
    }

    /** A 429 for this read when throttling says so, else null. */
    private synchronized Reply readThrottle() {
        boolean throttle = false;
        if (readThrottles > 0) {
            readThrottles--;
            throttle = true;
        } else if (readThrottleEvery > 0 && ++readsSinceEvery % readThrottleEvery == 0) {
            throttle = true;
        }
        if (!throttle) {
            return null;
        }
        long seconds = (readRetryAfter.toMillis() + 999) / 1000;
        return new Reply(429, errorJson(ArmDialect.TOO_MANY_REQUESTS, "The request is being throttled as the limit "
                + "has been reached for operation type - Read_ObservationWindow_00:05:00. For more information, see - "
                + "https://aka.ms/srpthrottlinglimits"), Map.of("Retry-After", Long.toString(seconds)));
    }

    /** The refusal of a rule write to an NSG whose operation is running, else null. */
    private Reply busy(String nsgId, String what) {
        Op op = running.get(nsgId.toLowerCase(Locale.ROOT));
        if (op == null || !op.running()) {
            return null;
        }
        return new Reply(conflictStatus, errorJson(conflictCode, "Operation on resource '" + what + "' could not be "
                + "completed as it results in a conflict with another operation (" + op.id + ") on resource '"
                + nsgId + "'. Retry later."), Map.of());
    }

    /** An ARM error body, built as JSON (any text escaped). */
    static String errorJson(String code, String message) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("code", code);
        e.put("message", message);
        e.put("details", List.of());
        return json(Map.of("error", e));
    }

    /** How many polls answer InProgress before the terminal status. */
    FakeArm inProgressPolls(int n) {
        inProgressPolls = n;
        return this;
    }

    /** The Retry-After header on LRO responses (null: none, as real ARM often sends). */
    FakeArm retryAfter(String seconds) {
        retryAfter = seconds;
        return this;
    }

    /** Page size of the NSG listing. */
    FakeArm pageSize(int n) {
        pageSize = n;
        return this;
    }

    /** Answers the next request whose method matches and whose path contains the text with this response. */
    synchronized FakeArm script(String method, String pathContains, int status, Map<String, String> headers,
                                String body) {
        scripted.add(new Scripted(method, pathContains, status, headers, body));
        return this;
    }

    /** An ARM error body. */
    static String error(String code, String message) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\",\"details\":[]}}";
    }

    /**
     * The next request of this method is applied as usual, but its response is lost: the client gets a 500 (what a
     * timeout or a gateway error after the fact looks like).
     */
    synchronized FakeArm loseNextResponse(String method) {
        lostResponses.add(method);
        return this;
    }

    private final Deque<String> lostResponses = new ArrayDeque<>();

    private synchronized boolean takeLost(String method) {
        return lostResponses.remove(method);
    }

    /**
     * Runs the action just before the next PUT's conditions are checked and it is applied (a concurrent writer between
     * our read and our write: an {@code If-Match} PUT then sees the ETag it moved).
     */
    synchronized FakeArm beforeNextWrite(Runnable action) {
        beforeWrite.add(action);
        return this;
    }

    /**
     * As {@link #beforeNextWrite(Runnable)}, before the next PUT to a rule of the NSG {@code nsgId} only (writes to
     * different NSGs run side by side, so "the next PUT" alone would name whichever NSG's write came first).
     */
    synchronized FakeArm beforeNextWriteTo(String nsgId, Runnable action) {
        beforeWriteTo.add(Map.entry(nsgId.toLowerCase(java.util.Locale.ROOT), action));
        return this;
    }

    private final java.util.List<Map.Entry<String, Runnable>> beforeWriteTo = new java.util.ArrayList<>();

    /** Permission bodies by {@code bearer-token|lower-case scope|$skiptoken}. */
    private final Map<String, String> permissions = new ConcurrentHashMap<>();

    /**
     * {@code GET {scope}/providers/Microsoft.Authorization/permissions} with {@code Authorization: Bearer <token>}
     * answers this body (ARM answers for the token's identity, so the token stands for the caller); a token with no
     * body for the scope gets {@code {"value":[]}}, a request without a token 401 {@code AuthenticationFailed}.
     * {@code skipToken} (null for the first page) selects a later page, as a {@code nextLink} names it.
     */
    FakeArm permissions(String token, String scope, String skipToken, String body) {
        permissions.put(token + "|" + scope.toLowerCase(Locale.ROOT) + "|" + (skipToken == null ? "" : skipToken),
                body);
        return this;
    }

    private static final Pattern PERMISSIONS = Pattern.compile(
            "(/subscriptions/.+)/providers/Microsoft\\.Authorization/permissions", Pattern.CASE_INSENSITIVE);

    private Reply permissions(String scope, Map<String, String> query, Map<String, String> headers) {
        if (!"2022-04-01".equals(query.get("api-version"))) {
            return new Reply(400, error("InvalidApiVersionParameter", "The api-version is invalid."), Map.of());
        }
        String auth = headers.get("authorization");
        if (auth == null || !auth.startsWith("Bearer ") || auth.length() == 7) {
            return new Reply(401, error("AuthenticationFailed", "Authentication failed."), Map.of());
        }
        String key = auth.substring(7) + "|" + scope.toLowerCase(Locale.ROOT) + "|"
                + query.getOrDefault("$skiptoken", "");
        return new Reply(200, permissions.getOrDefault(key, "{\"value\":[]}"), Map.of());
    }

    /** A GET of {@code resourceId} answers exactly this body (a real ARM body, e.g. a VM, NIC or VNet). */
    FakeArm serveVerbatim(String resourceId, String body) {
        verbatim.put(resourceId.toLowerCase(Locale.ROOT), body);
        return this;
    }

    /**
     * The NSG is served from this real body: every field as recorded (tags, resourceGuid, default rules, ...), except
     * the ETag (the simulator's, which changes with every write) and {@code securityRules} (the simulator's rules,
     * each verbatim when it was put with {@link #putVerbatimRule} and not changed since).
     */
    FakeArm nsgTemplate(String nsgId, String body) {
        nsgTemplates.put(nsgId.toLowerCase(Locale.ROOT), parse(body));
        return this;
    }

    /**
     * Stores a real rule body in the NSG through the simulator's ARM validation ({@link InMemoryNetwork#putRule}),
     * and serves it verbatim from then on while the simulator holds the same rule.
     */
    @SuppressWarnings("unchecked")
    SecurityRule putVerbatimRule(String nsgId, Map<String, Object> ruleJson) {
        String name = (String) ruleJson.get("name");
        SecurityRule stored = net.putRule(nsgId, name, properties((Map<String, Object>) ruleJson.get("properties")));
        verbatimRules.put((nsgId + "/" + name).toLowerCase(Locale.ROOT), new VerbatimRule(ruleJson, stored));
        return stored;
    }

    List<Request> requests() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    /** Requests other than LRO polls and the SDK's final GET after an async PUT. */
    List<Request> calls() {
        return requests().stream().filter(r -> !r.isPoll()).toList();
    }

    void clearLog() {
        log.clear();
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    // ------------------------------------------------------------------------------------------------ dispatch

    private static final Pattern RG = Pattern.compile(
            "/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/([^/]+)/(.+)", Pattern.CASE_INSENSITIVE);

    private void handle(HttpExchange ex) throws IOException {
        long t = System.nanoTime();
        URI uri = ex.getRequestURI();
        // GenericResources.getById sends "//subscriptions/...": the JDK parses "subscriptions" as the authority
        String path = uri.getRawAuthority() != null ? "/" + uri.getRawAuthority() + uri.getRawPath() : uri.getRawPath();
        path = java.net.URLDecoder.decode(path, StandardCharsets.UTF_8);
        Map<String, String> query = query(uri.getRawQuery());
        Map<String, String> headers = new HashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        String method = ex.getRequestMethod();
        Reply reply;
        Scripted s = takeScripted(method, path);
        Reply throttled = s == null && method.equals("GET") && !path.contains("/operations/")
                && !path.contains("/operationResults/") ? readThrottle() : null;
        if (s != null) {
            reply = new Reply(s.status(), s.body(), s.headers());
        } else if (throttled != null) {
            reply = throttled;
        } else {
            try {
                reply = route(method, path, query, headers, body);
            } catch (RuntimeException e) {
                reply = new Reply(500, error("InternalServerError", String.valueOf(e)), Map.of());
            }
            if (!method.equals("GET") && takeLost(method)) {
                reply = new Reply(500, error("InternalServerError", "the response was lost"), Map.of());
            }
        }
        byte[] bytes = reply.body == null ? new byte[0] : reply.body.getBytes(StandardCharsets.UTF_8);
        log.add(new Request(method, path, query, headers, body, reply.status, t, bytes.length,
                Map.copyOf(reply.headers), reply.body));
        reply.headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        if (reply.body != null) {
            ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        }
        ex.getResponseHeaders().add("x-ms-request-id", java.util.UUID.randomUUID().toString());
        ex.sendResponseHeaders(reply.status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        }
        ex.close();
    }

    private synchronized Scripted takeScripted(String method, String path) {
        for (Scripted s : scripted) {
            if (s.method().equalsIgnoreCase(method) && path.contains(s.pathContains())) {
                scripted.remove(s);
                return s;
            }
        }
        return null;
    }

    private record Reply(int status, String body, Map<String, String> headers) {
    }

    private Reply route(String method, String path, Map<String, String> query, Map<String, String> headers,
                        String body) {
        String raw = method.equals("GET") ? verbatim.get(path.toLowerCase(Locale.ROOT)) : null;
        if (raw != null) {
            return new Reply(200, raw, Map.of());
        }
        Matcher op = Pattern.compile("/subscriptions/[^/]+/providers/Microsoft\\.Network/locations/[^/]+/"
                + "(operations|operationResults)/([^/]+)", Pattern.CASE_INSENSITIVE).matcher(path);
        if (op.matches()) {
            return pollOp(op.group(1), op.group(2));
        }
        Matcher perm = PERMISSIONS.matcher(path);
        if (perm.matches() && method.equals("GET")) {
            return permissions(perm.group(1), query, headers);
        }
        Matcher jit = JIT_LIST.matcher(path);
        if (jit.matches() && method.equals("GET")) {
            return jitPolicies(path, query, jit.group(1));
        }
        Matcher listing = LIST.matcher(path);
        if (listing.matches() && method.equals("GET")) {
            return list(path, query, Optional.ofNullable(listing.group(2)), listing.group(3));
        }
        Matcher m = RG.matcher(path);
        if (!m.matches()) {
            return notFound(path);
        }
        String provider = m.group(3);
        String[] seg = m.group(4).split("/");
        if (provider.equalsIgnoreCase("Microsoft.Compute") && seg.length == 2
                && seg[0].equalsIgnoreCase("virtualMachines") && method.equals("GET")) {
            return getVm(path, seg[1]);
        }
        if (!provider.equalsIgnoreCase("Microsoft.Network")) {
            return notFound(path);
        }
        String base = path.substring(0, path.toLowerCase(Locale.ROOT).indexOf("/providers/") + 11)
                + "Microsoft.Network/";
        if (seg.length == 2 && seg[0].equalsIgnoreCase("networkInterfaces") && method.equals("GET")) {
            return net.nic(base + "networkInterfaces/" + seg[1]).map(n -> ok(nicJson(n))).orElseGet(() ->
                    notFound(path));
        }
        if (seg.length == 2 && seg[0].equalsIgnoreCase("virtualNetworks") && method.equals("GET")) {
            return net.virtualNetwork(seg[1]).map(v -> ok(vnetJson(v))).orElseGet(() -> notFound(path));
        }
        if (seg.length == 4 && seg[0].equalsIgnoreCase("virtualNetworks") && seg[2].equalsIgnoreCase("subnets")
                && method.equals("GET")) {
            return net.virtualNetwork(seg[1]).flatMap(v -> v.subnets().stream()
                    .filter(s -> s.name().equalsIgnoreCase(seg[3])).findFirst())
                    .map(s -> ok(subnetJson(s))).orElseGet(() -> notFound(path));
        }
        if (seg.length >= 2 && seg[0].equalsIgnoreCase("networkSecurityGroups")) {
            String nsgId = base + "networkSecurityGroups/" + seg[1];
            Optional<NsgSnapshot> nsg = net.findNsg(nsgId);
            if (nsg.isEmpty()) {
                return notFound(path);
            }
            if (seg.length == 2 && method.equals("GET")) {
                return new Reply(200, json(nsgBody(nsg.get())), Map.of("ETag", nsg.get().etag()));
            }
            if (seg.length == 2 && method.equals("PUT")) {
                return putWholeNsg(nsgId, body);
            }
            if (seg.length == 3 && seg[2].equalsIgnoreCase("securityRules") && method.equals("GET")) {
                Map<String, Object> list = new LinkedHashMap<>();
                list.put("value", nsg.get().rules().stream().map(r -> ruleBody(nsg.get(), r)).toList());
                return ok(list);
            }
            if (seg.length == 4 && seg[2].equalsIgnoreCase("securityRules")) {
                return rule(method, nsgId, nsg.get(), seg[3], headers, body);
            }
        }
        return notFound(path);
    }

    // ------------------------------------------------------------------------------------------------ resources

    private Reply getVm(String path, String name) {
        VmId vm = net.vms().stream().filter(v -> v.name().equalsIgnoreCase(name)).findFirst().orElse(null);
        if (vm == null) {
            return new Reply(404, error("ResourceNotFound", "The Resource 'Microsoft.Compute/virtualMachines/" + name
                    + "' under resource group was not found."), Map.of());
        }
        return ok(vmJson(vm));
    }

    private Map<String, Object> vmJson(VmId vm) {
        Map<String, Object> np = new LinkedHashMap<>();
        np.put("networkInterfaces", net.nicIds(vm).stream().map(id -> Map.of("id", id)).toList());
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("vmId", java.util.UUID.nameUUIDFromBytes(vm.value().getBytes(StandardCharsets.UTF_8)).toString());
        props.put("networkProfile", np);
        props.put("provisioningState", "Succeeded");
        Map<String, Object> vmJson = new LinkedHashMap<>();
        vmJson.put("name", vm.name());
        vmJson.put("id", vm.value());
        vmJson.put("type", "Microsoft.Compute/virtualMachines");
        vmJson.put("location", "westeurope");
        vmJson.put("properties", props);
        return vmJson;
    }

    private Map<String, Object> nicJson(Topology.Nic n) {
        List<Object> ipcs = new ArrayList<>();
        int i = 0;
        for (IpPrefix ip : n.privateIps()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("privateIPAddress", ip.toString());
            p.put("privateIPAllocationMethod", "Dynamic");
            p.put("privateIPAddressVersion", ip.ipv6() ? "IPv6" : "IPv4");
            p.put("subnet", Map.of("id", n.subnetId()));
            p.put("primary", i == 0);
            p.put("provisioningState", "Succeeded");
            Map<String, Object> ipc = new LinkedHashMap<>();
            ipc.put("name", "ipconfig" + (++i));
            ipc.put("id", n.id() + "/ipConfigurations/ipconfig" + i);
            ipc.put("properties", p);
            ipcs.add(ipc);
        }
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("provisioningState", "Succeeded");
        props.put("ipConfigurations", ipcs);
        n.nsgId().ifPresent(id -> props.put("networkSecurityGroup", Map.of("id", id)));
        props.put("virtualMachine", Map.of("id", n.vmId().value()));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", n.id().substring(n.id().lastIndexOf('/') + 1));
        out.put("id", n.id());
        out.put("etag", "W/\"" + java.util.UUID.nameUUIDFromBytes(n.id().getBytes(StandardCharsets.UTF_8)) + "\"");
        out.put("type", "Microsoft.Network/networkInterfaces");
        out.put("location", "westeurope");
        out.put("properties", props);
        return out;
    }

    private static Map<String, Object> subnetJson(Topology.Subnet s) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("addressPrefix", s.addressPrefix().toString());
        props.put("provisioningState", "Succeeded");
        s.nsgId().ifPresent(id -> props.put("networkSecurityGroup", Map.of("id", id)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", s.name());
        out.put("id", s.id());
        out.put("type", "Microsoft.Network/virtualNetworks/subnets");
        out.put("properties", props);
        return out;
    }

    private static Map<String, Object> vnetJson(Topology.VirtualNetwork v) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("addressSpace", Map.of("addressPrefixes", v.addressSpace().stream().map(Object::toString).toList()));
        props.put("subnets", v.subnets().stream().map(FakeArm::subnetJson).toList());
        props.put("provisioningState", "Succeeded");
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", v.name());
        out.put("id", v.id());
        out.put("type", "Microsoft.Network/virtualNetworks");
        out.put("location", "westeurope");
        out.put("properties", props);
        return out;
    }

    private static Map<String, Object> nsgJson(NsgSnapshot s) {
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("resourceGuid", java.util.UUID.nameUUIDFromBytes(s.id().getBytes(StandardCharsets.UTF_8))
                .toString());
        props.put("provisioningState", "Succeeded");
        props.put("securityRules", s.rules().stream().map(r -> ruleJson(s, r)).toList());
        props.put("defaultSecurityRules", DefaultRules.ALL.stream().map(r -> {
            Map<String, Object> j = ruleJson(s, r);
            j.put("id", s.id() + "/defaultSecurityRules/" + r.name());
            j.put("type", "Microsoft.Network/networkSecurityGroups/defaultSecurityRules");
            return j;
        }).toList());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", s.id().substring(s.id().lastIndexOf('/') + 1));
        out.put("id", s.id());
        out.put("etag", s.etag());
        out.put("type", "Microsoft.Network/networkSecurityGroups");
        out.put("location", "westeurope");
        out.put("tags", Map.of());
        out.put("properties", props);
        return out;
    }

    /** The NSG's body: from its verbatim template when it has one, else built like ARM's. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> nsgBody(NsgSnapshot s) {
        Map<String, Object> template = nsgTemplates.get(s.id().toLowerCase(Locale.ROOT));
        if (template == null) {
            return nsgJson(s);
        }
        Map<String, Object> out = new LinkedHashMap<>(template);
        out.put("etag", s.etag());
        Map<String, Object> props = new LinkedHashMap<>((Map<String, Object>) template.get("properties"));
        props.put("securityRules", s.rules().stream().map(r -> ruleBody(s, r)).toList());
        out.put("properties", props);
        return out;
    }

    /** A rule's body: verbatim when it was put from a real body and is unchanged, else built like ARM's. */
    private Map<String, Object> ruleBody(NsgSnapshot s, SecurityRule r) {
        VerbatimRule v = verbatimRules.get((s.id() + "/" + r.name()).toLowerCase(Locale.ROOT));
        if (v != null && v.stored().equals(r)) {
            // byte for byte, recorded etag included: an If-Match with that etag is answered 412 (the replay tests
            // compare these bodies; the library never replaces a foreign rule)
            return new LinkedHashMap<>(v.json());
        }
        return ruleJson(s, r);
    }

    static Map<String, Object> ruleJson(NsgSnapshot s, SecurityRule r) {
        ArmRuleProperties a = ArmRuleProperties.from(r);
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("provisioningState", "Succeeded");
        if (!r.description().isEmpty()) {
            p.put("description", r.description());
        }
        p.put("protocol", a.protocol());
        if (a.sourcePortRange() != null) {
            p.put("sourcePortRange", a.sourcePortRange());
        }
        if (a.destinationPortRange() != null) {
            p.put("destinationPortRange", a.destinationPortRange());
        }
        if (a.sourceAddressPrefix() != null) {
            p.put("sourceAddressPrefix", a.sourceAddressPrefix());
        }
        if (a.destinationAddressPrefix() != null) {
            p.put("destinationAddressPrefix", a.destinationAddressPrefix());
        }
        p.put("access", a.access());
        p.put("priority", a.priority());
        p.put("direction", a.direction());
        p.put("sourcePortRanges", a.sourcePortRanges());
        p.put("destinationPortRanges", a.destinationPortRanges());
        p.put("sourceAddressPrefixes", a.sourceAddressPrefixes());
        p.put("destinationAddressPrefixes", a.destinationAddressPrefixes());
        if (!r.isOpaque() && java.util.stream.Stream.concat(r.sources().stream(), r.destinations().stream())
                .anyMatch(x -> x instanceof io.jitaccess.core.net.Address.Asg)) {
            // application security groups go in their own fields, by id, as ARM returns them
            io.jitaccess.core.arm.ArmRule ar = io.jitaccess.core.arm.ArmRule.of(r);
            p.remove("sourceAddressPrefix");
            p.remove("destinationAddressPrefix");
            if (ar.sourceAddressPrefix() != null) {
                p.put("sourceAddressPrefix", ar.sourceAddressPrefix());
            }
            if (ar.destinationAddressPrefix() != null) {
                p.put("destinationAddressPrefix", ar.destinationAddressPrefix());
            }
            p.put("sourceAddressPrefixes", ar.sourceAddressPrefixes());
            p.put("destinationAddressPrefixes", ar.destinationAddressPrefixes());
            if (!ar.sourceApplicationSecurityGroups().isEmpty()) {
                p.put("sourceApplicationSecurityGroups", ar.sourceApplicationSecurityGroups().stream()
                        .map(id -> Map.of("id", id)).toList());
            }
            if (!ar.destinationApplicationSecurityGroups().isEmpty()) {
                p.put("destinationApplicationSecurityGroups", ar.destinationApplicationSecurityGroups().stream()
                        .map(id -> Map.of("id", id)).toList());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", r.name());
        out.put("id", s.id() + "/securityRules/" + r.name());
        out.put("etag", s.etag());
        out.put("type", "Microsoft.Network/networkSecurityGroups/securityRules");
        out.put("properties", p);
        return out;
    }

    /** Defender's JIT policies by region ({@code JitNetworkAccessPolicies_ListByRegion}). */
    private static final Pattern JIT_LIST = Pattern.compile("/subscriptions/[^/]+/providers/Microsoft\\.Security/"
            + "locations/([^/]+)/jitNetworkAccessPolicies", Pattern.CASE_INSENSITIVE);

    /** Defender JIT policy bodies served by the region listing, by lower-case ASC location. */
    private final Map<String, List<String>> jitPolicies = new ConcurrentHashMap<>();

    /**
     * Serves these {@code jitNetworkAccessPolicies} bodies (recorded-shape JSON objects, api-version 2020-01-01) from
     * {@code GET /subscriptions/{s}/providers/Microsoft.Security/locations/{ascLocation}/jitNetworkAccessPolicies},
     * {@link #pageSize} a page with {@code nextLink}; a location without policies answers {@code {"value":[]}}.
     */
    FakeArm defenderJitPolicies(String ascLocation, String... policyBodies) {
        jitPolicies.put(ascLocation.toLowerCase(Locale.ROOT), List.of(policyBodies));
        return this;
    }

    private Reply jitPolicies(String path, Map<String, String> query, String location) {
        if (!"2020-01-01".equals(query.get("api-version"))) {
            return new Reply(400, error("InvalidApiVersionParameter", "The api-version '" + query.get("api-version")
                    + "' is invalid. The supported versions are '2020-01-01,2015-06-01-preview'."), Map.of());
        }
        List<String> all = jitPolicies.getOrDefault(location.toLowerCase(Locale.ROOT), List.of());
        int from = query.containsKey("$skiptoken") ? Integer.parseInt(query.get("$skiptoken")) : 0;
        int to = Math.min(all.size(), from + pageSize);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("value", all.subList(Math.min(from, all.size()), to).stream().map(FakeArm::parse).toList());
        if (to < all.size()) {
            out.put("nextLink", endpoint() + path + "?api-version=2020-01-01&$skiptoken=" + to);
        }
        return ok(out);
    }

    /** The list endpoints: per subscription or resource group; {@code {s}} and {@code {rg}} are matched groups. */
    private static final Pattern LIST = Pattern.compile("/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?/providers/"
            + "(Microsoft\\.Compute/virtualMachines|Microsoft\\.Network/networkInterfaces"
            + "|Microsoft\\.Network/virtualNetworks|Microsoft\\.Network/networkSecurityGroups)",
            Pattern.CASE_INSENSITIVE);

    /**
     * One page of a listing, ARM's shape: {@code {"value":[...],"nextLink":"<absolute url>"}}, {@link #pageSize} items
     * a page, {@code nextLink} (with a {@code $skiptoken}) only when more follow.
     */
    private Reply list(String path, Map<String, String> query, Optional<String> group, String type) {
        List<Map<String, Object>> items = new ArrayList<>();
        switch (type.toLowerCase(Locale.ROOT)) {
            case "microsoft.compute/virtualmachines" -> net.vms().forEach(vm -> items.add(vmJson(vm)));
            case "microsoft.network/networkinterfaces" -> net.vms().forEach(vm -> net.nicIds(vm)
                    .forEach(id -> items.add(nicJson(net.nic(id).orElseThrow()))));
            case "microsoft.network/virtualnetworks" -> net.virtualNetworks().forEach(v -> items.add(vnetJson(v)));
            default -> net.nsgIds().forEach(id -> items.add(nsgBody(net.findNsg(id).orElseThrow())));
        }
        List<Map<String, Object>> scoped = items.stream()
                .filter(i -> group.isEmpty() || group.get().equalsIgnoreCase(groupOf((String) i.get("id")))).toList();
        int from = query.containsKey("$skiptoken") ? Integer.parseInt(query.get("$skiptoken")) : 0;
        int to = Math.min(scoped.size(), from + pageSize);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("value", scoped.subList(Math.min(from, scoped.size()), to));
        if (to < scoped.size()) {
            out.put("nextLink", endpoint() + path + "?api-version="
                    + query.getOrDefault("api-version", API_NETWORK) + "&$skiptoken=" + to);
        }
        return ok(out);
    }

    private static String groupOf(String id) {
        String[] seg = id.split("/");
        for (int i = 0; i + 1 < seg.length; i++) {
            if (seg[i].equalsIgnoreCase("resourceGroups")) {
                return seg[i + 1];
            }
        }
        return "";
    }

    // ------------------------------------------------------------------------------------------------ rules

    @SuppressWarnings("unchecked")
    private Reply rule(String method, String nsgId, NsgSnapshot nsg, String name, Map<String, String> headers,
                       String body) {
        Optional<SecurityRule> existing = nsg.rule(name);
        if (method.equals("GET")) {
            return existing.map(r -> new Reply(200, json(ruleBody(nsg, r)), Map.of("ETag", nsg.etag())))
                    .orElseGet(() -> new Reply(404, error("NotFound",
                    "Resource " + nsgId + "/securityRules/" + name + " not found."), Map.of()));
        }
        if (method.equals("PUT")) {
            // a concurrent writer between the client's read and this write: it lands before the conditions are checked
            Runnable hook = null;
            synchronized (this) {
                for (java.util.Iterator<Map.Entry<String, Runnable>> it = beforeWriteTo.iterator(); it.hasNext(); ) {
                    Map.Entry<String, Runnable> e = it.next();
                    if (e.getKey().equals(nsgId.toLowerCase(java.util.Locale.ROOT))) {
                        hook = e.getValue();
                        it.remove();
                        break;
                    }
                }
                if (hook == null) {
                    hook = beforeWrite.poll();
                }
            }
            if (hook != null) {
                hook.run();
            }
        }
        // the conditions are checked and the write applied under the network's lock: no write lands in between
        synchronized (net) {
            Optional<NsgSnapshot> now = net.findNsg(nsgId);
            if (now.isEmpty()) {
                return notFound(nsgId);
            }
            Reply refused = busy(nsgId, nsgId + "/securityRules/" + name);
            if (refused != null) {
                return refused;
            }
            return write(method, nsgId, now.get(), name, headers, body);
        }
    }

    /**
     * A rule PUT or DELETE after its conditions: {@code If-None-Match: *} fails when the rule exists, {@code If-Match}
     * when it does not or when the ETag differs ({@code *} matches any existing rule). A rule's ETag is its NSG's, as
     * ARM returns it (it changes with every write to the NSG). 412 {@code PreconditionFailed}, as ARM answers.
     */
    @SuppressWarnings("unchecked")
    private Reply write(String method, String nsgId, NsgSnapshot nsg, String name, Map<String, String> headers,
                        String body) {
        Optional<SecurityRule> existing = nsg.rule(name);
        String ifNoneMatch = headers.get("if-none-match");
        String ifMatch = headers.get("if-match");
        if ((ifNoneMatch != null && ifNoneMatch.equals("*") && existing.isPresent())
                || (ifMatch != null && (existing.isEmpty() || !(ifMatch.equals("*") || ifMatch.equals(nsg.etag()))))) {
            return new Reply(412, error("PreconditionFailed", "The condition specified using HTTP conditional "
                    + "header(s) is not met."), Map.of());
        }
        if (method.equals("DELETE")) {
            if (existing.isEmpty()) {
                return new Reply(204, null, Map.of());
            }
            net.removeRule(nsgId, name);
            if (asyncWrites) {
                String id = newOp(nsgId, null, null);
                Map<String, String> h = new LinkedHashMap<>(lroHeaders(id));
                h.put("Location", opUrl("operationResults", id));
                return new Reply(202, null, h);
            }
            return new Reply(200, null, Map.of());
        }
        if (!method.equals("PUT")) {
            return new Reply(405, error("MethodNotAllowed", method), Map.of());
        }
        String lroFailure = takeLroFailure();
        if (lroFailure != null) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", name);
            j.put("id", nsgId + "/securityRules/" + name);
            j.put("properties", Map.of("provisioningState", "Updating"));
            return new Reply(201, json(j), lroHeaders(newOp(nsgId, lroFailure, "Operation could not be completed as it"
                    + " results in a conflict with another operation; retry later.")));
        }
        Map<String, Object> root;
        try (JsonReader r = JsonProviders.createReader(body)) {
            root = (Map<String, Object>) r.readUntyped();
        } catch (IOException | RuntimeException e) {
            return new Reply(400, error("InvalidRequestFormat", "Cannot parse the request."), Map.of());
        }
        ArmRuleProperties props = properties((Map<String, Object>) root.getOrDefault("properties", Map.of()));
        SecurityRule stored;
        try {
            stored = net.putRule(nsgId, name, props);
        } catch (NotFoundException | BackendException e) {
            String code = e instanceof BackendException be ? be.code() : "NotFound";
            String msg = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
            int status = e instanceof NotFoundException ? 404 : 400;
            if (failuresThroughLro && status == 400) {
                String id = newOp(nsgId, code, msg);
                return new Reply(201, json(updating(nsg, name, props)), lroHeaders(id));
            }
            return new Reply(status, error(code, msg), Map.of());
        }
        NsgSnapshot after = net.findNsg(nsgId).orElseThrow();
        Map<String, Object> j = ruleJson(after, stored);
        int status = existing.isPresent() ? 200 : 201;
        if (asyncWrites) {
            ((Map<String, Object>) j.get("properties")).put("provisioningState", "Updating");
            return new Reply(status, json(j), lroHeaders(newOp(nsgId, null, null)));
        }
        return new Reply(status, json(j), Map.of("ETag", after.etag()));
    }

    /** A whole-NSG PUT, as the SDK's fluent {@code nsg.update()...apply()} sends it: the body replaces every rule. */
    @SuppressWarnings("unchecked")
    private Reply putWholeNsg(String nsgId, String body) {
        Reply refused = busy(nsgId, nsgId);
        if (refused != null) {
            return refused;
        }
        Map<String, Object> root = parse(body);
        Map<String, Object> props = (Map<String, Object>) root.getOrDefault("properties", Map.of());
        List<Map<String, Object>> wanted = (List<Map<String, Object>>) props.getOrDefault("securityRules", List.of());
        java.util.Set<String> names = new java.util.HashSet<>();
        wanted.forEach(w -> names.add(String.valueOf(w.get("name")).toLowerCase(Locale.ROOT)));
        for (SecurityRule r : net.findNsg(nsgId).orElseThrow().rules()) {
            if (!names.contains(r.name().toLowerCase(Locale.ROOT))) {
                net.removeRule(nsgId, r.name());
            }
        }
        try {
            for (Map<String, Object> w : wanted) {
                net.putRule(nsgId, String.valueOf(w.get("name")),
                        properties((Map<String, Object>) w.getOrDefault("properties", Map.of())));
            }
        } catch (BackendException e) {
            return new Reply(400, error(e.code(), e.getMessage()), Map.of());
        }
        NsgSnapshot after = net.findNsg(nsgId).orElseThrow();
        return new Reply(200, json(nsgBody(after)), Map.of("ETag", after.etag()));
    }

    private static Map<String, Object> updating(NsgSnapshot nsg, String name, ArmRuleProperties props) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", name);
        out.put("id", nsg.id() + "/securityRules/" + name);
        out.put("properties", Map.of("provisioningState", "Updating", "priority", props.priority() == null ? 0
                : props.priority()));
        return out;
    }

    /** A new operation on an NSG; timed by {@link #lroDuration}, which keeps the NSG busy while it runs. */
    private String newOp(String nsgId, String error, String message) {
        String id = "op-" + opSeq.incrementAndGet();
        Duration d = lroDuration;
        long doneAt = d.isZero() ? 0 : (System.nanoTime() + d.toNanos()) | 1;   // never 0: 0 means untimed
        Op op = new Op(id, error, message, inProgressPolls, doneAt);
        ops.put(id, op);
        if (doneAt != 0) {
            running.put(nsgId.toLowerCase(Locale.ROOT), op);
        }
        return id;
    }

    private Map<String, String> lroHeaders(String id) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Azure-AsyncOperation", opUrl("operations", id));
        if (retryAfter != null) {
            h.put("Retry-After", retryAfter);
        }
        return h;
    }

    private String opUrl(String kind, String id) {
        return endpoint() + "/subscriptions/" + net.subscription() + "/providers/Microsoft.Network/locations/"
                + "westeurope/" + kind + "/" + id + "?api-version=" + API_NETWORK;
    }

    private Reply pollOp(String kind, String id) {
        Op op = ops.get(id);
        if (op == null) {
            return notFound(id);
        }
        if (kind.equalsIgnoreCase("operationResults")) {
            return new Reply(204, null, Map.of());
        }
        synchronized (op) {
            if (op.pollsLeft > 0 || op.running()) {
                op.pollsLeft = Math.max(0, op.pollsLeft - 1);
                Map<String, String> h = retryAfter == null ? Map.of() : Map.of("Retry-After", retryAfter);
                return new Reply(200, "{\"status\":\"InProgress\"}", h);
            }
        }
        if (op.error != null) {
            return new Reply(200, "{\"status\":\"Failed\",\"error\":{\"code\":\"" + op.error + "\",\"message\":\""
                    + op.message.replace("\"", "'") + "\"}}", Map.of());
        }
        return new Reply(200, "{\"status\":\"Succeeded\"}", Map.of());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static Reply notFound(String what) {
        return new Reply(404, error("NotFound", "Resource " + what + " not found."), Map.of());
    }

    private static Reply ok(Map<String, Object> body) {
        return new Reply(200, json(body), Map.of());
    }

    static String json(Object o) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonWriter w = JsonProviders.createWriter(bytes)) {
            w.writeUntyped(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> parse(String body) {
        try (JsonReader r = JsonProviders.createReader(body)) {
            return (Map<String, Object>) r.readUntyped();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A rule's JSON {@code properties} as the simulator's ARM model. */
    static ArmRuleProperties properties(Map<String, Object> p) {
        return new ArmRuleProperties(str(p, "protocol"), str(p, "sourcePortRange"), list(p, "sourcePortRanges"),
                str(p, "destinationPortRange"), list(p, "destinationPortRanges"), str(p, "sourceAddressPrefix"),
                list(p, "sourceAddressPrefixes"), str(p, "destinationAddressPrefix"),
                list(p, "destinationAddressPrefixes"), str(p, "access"),
                p.get("priority") instanceof Number n ? n.intValue() : null, str(p, "direction"),
                str(p, "description"));
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? null : v.toString();
    }

    @SuppressWarnings("unchecked")
    private static List<String> list(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v instanceof List<?> l ? ((List<Object>) l).stream().map(String::valueOf).toList() : List.of();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null) {
            return out;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = java.net.URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : java.net.URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }
}
