package io.jitaccess.core.policy;

import io.jitaccess.core.internal.Violations;
import io.jitaccess.core.ValidationException;

import io.jitaccess.core.net.IpPrefix;
import java.util.List;
import java.util.Objects;

/**
 * Which source addresses a port rule lets a requester name.
 *
 * <ul>
 *   <li>{@link #prefixes(List)}: the request's source must lie <em>inside</em> one of these prefixes (containment,
 *       not Defender's verbatim equality: a policy of {@code 10.21.254.0/24} accepts a request for
 *       {@code 10.21.254.7}).</li>
 *   <li>{@link #perRequest()}: any specific address or prefix the requester names, but never a wildcard
 *       ({@code *}, {@code Internet}, {@code 0.0.0.0/0}, {@code ::/0}).</li>
 *   <li>{@link #any()}: Defender's "Any": like per request, and a wildcard source is accepted too.</li>
 * </ul>
 */
public sealed interface AllowedSources permits AllowedSources.Prefixes, AllowedSources.PerRequest {

    /** Sources restricted to a list of prefixes. */
    record Prefixes(List<IpPrefix> prefixes) implements AllowedSources {
        /** Requires at least one prefix. */
        public Prefixes {
            Objects.requireNonNull(prefixes, "prefixes");
            prefixes = List.copyOf(prefixes);
            if (prefixes.isEmpty()) {
                throw ValidationException.single("allowedSourceAddressPrefixes", "[]", "must not be empty");
            }
        }

        @Override
        public String toString() {
            return prefixes.toString();
        }
    }

    /** Any source the requester names; {@code allowWildcard} says whether "everyone" is acceptable. */
    record PerRequest(boolean allowWildcard) implements AllowedSources {
        @Override
        public String toString() {
            return allowWildcard ? "Any" : "per request (no wildcard)";
        }
    }

    /** Sources restricted to the given prefixes. */
    static AllowedSources prefixes(List<IpPrefix> prefixes) {
        return new Prefixes(prefixes);
    }

    /** Sources restricted to the given prefixes, parsed strictly. */
    static AllowedSources prefixes(String... prefixes) {
        Violations v = new Violations();
        IpPrefix[] parsed = new IpPrefix[prefixes.length];
        for (int i = 0; i < prefixes.length; i++) {
            String field = "allowedSourceAddressPrefixes[" + i + "]";
            String why = IpPrefix.problem(prefixes[i]);
            if (why != null) {
                v.add(field, prefixes[i], why);
            } else {
                parsed[i] = IpPrefix.of(prefixes[i]);
            }
        }
        v.throwIfAny();
        return new Prefixes(List.of(parsed));
    }

    /** Any specific source the requester names, wildcards refused. */
    static AllowedSources perRequest() {
        return new PerRequest(false);
    }

    /** Defender's "Any": any source, wildcard included. */
    static AllowedSources any() {
        return new PerRequest(true);
    }
}
