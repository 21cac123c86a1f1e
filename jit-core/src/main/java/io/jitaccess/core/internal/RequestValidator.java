package io.jitaccess.core.internal;

import io.jitaccess.core.AccessRequest;
import io.jitaccess.core.PortRequest;
import io.jitaccess.core.RequestContext;

import io.jitaccess.core.internal.Duplicates;
import io.jitaccess.core.net.Address;
import io.jitaccess.core.net.IpPrefix;
import io.jitaccess.core.net.ServiceTag;
import io.jitaccess.core.policy.AllowedSources;
import io.jitaccess.core.policy.JitLimits;
import io.jitaccess.core.policy.JitPolicy;
import io.jitaccess.core.policy.PortRule;
import io.jitaccess.core.internal.Violations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Optional;
import java.util.Map;

/** Checks access requests and policies against limits; collects every violation. Stateless. */
public final class RequestValidator {
    private RequestValidator() {
    }

    /** A port of a request that passed validation. */
    public record ValidPort(PortRule rule, Optional<IpPrefix> source, Instant end) {
        public String sourceText() {
            return source.map(IpPrefix::toString).orElse("*");
        }
    }

    public static void validatePolicyLimits(JitPolicy policy, JitLimits limits) {
        Violations v = new Violations();
        for (int i = 0; i < policy.ports().size(); i++) {
            Duration d = policy.ports().get(i).maxRequestAccessDuration();
            if (d.compareTo(limits.minimum()) < 0 || d.compareTo(limits.maximum()) > 0) {
                v.add("ports[" + i + "].maxRequestAccessDuration", d,
                        "must be between " + limits.minimum() + " and " + limits.maximum());
            }
        }
        v.throwIfAny();
    }

    public static List<ValidPort> validate(AccessRequest req, RequestContext ctx, Optional<JitPolicy> policy, Instant now,
                                    JitLimits limits) {
        Violations v = new Violations();
        if (req.vmId() == null) {
            v.add("vmId", null, "must be set");
        } else if (policy.isEmpty()) {
            v.add("vmId", req.vmId(), "has no JIT policy; enable one first");
        }
        String j = req.justification();
        if (j != null) {
            if (j.length() > limits.maxJustificationLength()) {
                v.add("justification", j.substring(0, Math.min(32, j.length())) + "...(" + j.length() + " chars)",
                        "must be at most " + limits.maxJustificationLength() + " characters");
            } else if (j.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
                v.add("justification", j, "must not contain control characters");
            }
        }
        List<ValidPort> out = new ArrayList<>();
        if (req.ports() == null || req.ports().isEmpty()) {
            v.add("ports", req.ports() == null ? null : "[]", "must contain at least one port");
            v.throwIfAny();
        }
        Map<Integer, List<Integer>> at = new HashMap<>();
        for (int i = 0; i < req.ports().size(); i++) {
            if (req.ports().get(i) != null) {
                at.computeIfAbsent(req.ports().get(i).number(), k -> new ArrayList<>()).add(i);
            }
        }
        for (int i = 0; i < req.ports().size(); i++) {
            String f = "ports[" + i + "]";
            PortRequest p = req.ports().get(i);
            if (p == null) {
                v.add(f, null, "must not be null");
                continue;
            }
            Optional<PortRule> rule = Optional.empty();
            if (p.number() < 1 || p.number() > 65535) {
                v.add(f + ".number", p.number(), "must be a port between 1 and 65535");
            } else {
                String dup = Duplicates.reason(at.get(p.number()), i, "port request");
                if (dup != null) {
                    v.add(f + ".number", p.number(), dup);
                }
                // the first of duplicates is still checked against the policy, so its other problems are reported
                if ((dup == null || at.get(p.number()).get(0) == i) && policy.isPresent()) {
                    rule = policy.get().port(p.number());
                    if (rule.isEmpty()) {
                        v.add(f + ".number", p.number(), "is not configured in the VM's JIT policy (configured: "
                                + policy.get().portNumbers() + ")");
                    }
                }
            }
            Optional<IpPrefix> source = Optional.empty();
            boolean sourceOk = true;
            String src = p.allowedSourceAddressPrefix();
            if (src == null) {
                if (ctx.clientAddress().isEmpty()) {
                    v.add(f + ".allowedSourceAddressPrefix", null,
                            "no source given and the request context has no client address");
                    sourceOk = false;
                } else {
                    source = ctx.clientAddress();
                }
            } else if (isWildcard(src)) {
                if (rule.isPresent() && !(rule.get().allowedSources() instanceof AllowedSources.PerRequest pr
                        && pr.allowWildcard())) {
                    v.add(f + ".allowedSourceAddressPrefix", src,
                            "a wildcard source is allowed only when the port rule allows any source");
                    sourceOk = false;
                }
            } else {
                String why = IpPrefix.problem(src);
                if (why != null) {
                    v.add(f + ".allowedSourceAddressPrefix", src, why);
                    sourceOk = false;
                } else {
                    source = Optional.of(IpPrefix.of(src));
                }
            }
            if (sourceOk && rule.isPresent() && source.isPresent()) {
                final IpPrefix asked = source.get();
                if (source.get().isAny() && !(rule.get().allowedSources() instanceof AllowedSources.PerRequest pr
                        && pr.allowWildcard())) {
                    v.add(f + ".allowedSourceAddressPrefix", source.get(),
                            "a wildcard source is allowed only when the port rule allows any source");
                } else if (rule.get().allowedSources() instanceof AllowedSources.Prefixes ps
                        && ps.prefixes().stream().noneMatch(a -> a.contains(asked))) {
                    v.add(f + ".allowedSourceAddressPrefix", source.get(),
                            "is not inside the allowed sources " + ps.prefixes());
                } else if (rule.get().allowedSources() instanceof AllowedSources.PerRequest pr && !pr.allowWildcard()
                        && asked.length() < (asked.ipv6() ? limits.minimumPerRequestPrefixV6()
                        : limits.minimumPerRequestPrefixV4())) {
                    // issue 8 §6: two /1s are the whole Internet; a per-request source names at most one site
                    v.add(f + ".allowedSourceAddressPrefix", source.get(), "is wider than a per-request source may be"
                            + (src == null ? " (it is the request context's client address)" : "")
                            + ": at most /" + limits.minimumPerRequestPrefixV4() + " for IPv4 and /"
                            + limits.minimumPerRequestPrefixV6() + " for IPv6 (JitLimits)");
                }
            }
            Instant end = null;
            if (p.duration() != null && p.endTimeUtc() != null) {
                v.add(f + ".duration", p.duration(), "give either a duration or an end time, not both");
            } else if (p.duration() == null && p.endTimeUtc() == null) {
                v.add(f + ".endTimeUtc", null, "give a duration or an end time");
            } else if (p.duration() != null) {
                if (p.duration().isNegative() || p.duration().isZero()) {
                    v.add(f + ".duration", p.duration(), "must be positive");
                } else if (p.duration().compareTo(JitLimits.MAX_CEILING) > 0) {
                    // checked before now.plus(...), which overflows for absurd durations
                    v.add(f + ".duration", p.duration(), "exceeds the longest possible access "
                            + JitLimits.MAX_CEILING);
                } else {
                    end = now.plus(p.duration());
                }
            } else if (!p.endTimeUtc().isAfter(now)) {
                v.add(f + ".endTimeUtc", p.endTimeUtc(), "must be after the current time " + now);
            } else {
                end = p.endTimeUtc();
            }
            if (end != null && rule.isPresent()) {
                Duration asked = Duration.between(now, end);
                Duration max = rule.get().maxRequestAccessDuration();
                if (asked.compareTo(max) > 0) {
                    v.add(p.duration() != null ? f + ".duration" : f + ".endTimeUtc",
                            p.duration() != null ? p.duration() : p.endTimeUtc(),
                            "exceeds the port's maxRequestAccessDuration " + max);
                }
            }
            if (rule.isPresent() && end != null && sourceOk) {
                out.add(new ValidPort(rule.get(), source, end));
            }
        }
        v.throwIfAny();
        return out;
    }

    public static boolean isWildcard(String src) {
        Optional<Address> a = Address.parse(src);
        if (a.isPresent() && a.get() instanceof Address.Tag t) {
            return t.tag() == ServiceTag.ANY || t.tag() == ServiceTag.INTERNET;
        }
        return src.equalsIgnoreCase("any");
    }
}
