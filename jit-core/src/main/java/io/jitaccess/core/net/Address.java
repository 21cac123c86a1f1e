package io.jitaccess.core.net;

import java.util.Objects;
import java.util.Optional;

/**
 * A source or destination of a security rule: an IP prefix, a known service tag, an application security group, or
 * text the library cannot resolve (e.g. the service tag {@code Storage}, or a prefix ARM accepted that the library
 * cannot parse, such as {@code 789}). The evaluator cannot prove whether an application security group or unresolvable
 * text contains an address: it answers {@link io.jitaccess.core.rules.Match#MAYBE}, and the planner takes the answer
 * that keeps ports closed (docs/placement.md, "What the library cannot resolve").
 */
public sealed interface Address permits Address.Prefix, Address.Tag, Address.Asg, Address.Other {

    /** An IP prefix. */
    record Prefix(IpPrefix prefix) implements Address {
        /** Requires a prefix. */
        public Prefix {
            Objects.requireNonNull(prefix, "prefix");
        }

        @Override
        public String toString() {
            return prefix.toString();
        }
    }

    /** A known service tag. */
    record Tag(ServiceTag tag) implements Address {
        /** Requires a tag. */
        public Tag {
            Objects.requireNonNull(tag, "tag");
        }

        @Override
        public String toString() {
            return tag.toString();
        }
    }

    /**
     * An application security group, by its ARM resource id. Membership is a property of NICs that the library does
     * not read, so whether it contains an address is never provable here.
     */
    record Asg(String id) implements Address {
        /** Requires a non-blank id. */
        public Asg {
            Objects.requireNonNull(id, "id");
            if (id.isBlank()) {
                throw new IllegalArgumentException("id must not be blank");
            }
        }

        @Override
        public String toString() {
            return "asg:" + id;
        }
    }

    /** A tag or other text the library cannot resolve to addresses. */
    record Other(String text) implements Address {
        /** Requires non-blank text. */
        public Other {
            Objects.requireNonNull(text, "text");
            if (text.isBlank()) {
                throw new IllegalArgumentException("text must not be blank");
            }
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** Any address ({@code *}). */
    Address ANY = new Tag(ServiceTag.ANY);

    /** An address for a prefix. */
    static Address of(IpPrefix prefix) {
        return new Prefix(prefix);
    }

    /** Parses {@code *}, a known tag, a prefix, or else an unresolvable tag; empty for blank text. */
    static Optional<Address> parse(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        Optional<ServiceTag> tag = ServiceTag.parse(text);
        if (tag.isPresent()) {
            return Optional.of(new Tag(tag.get()));
        }
        Optional<IpPrefix> p = IpPrefix.parse(text);
        if (p.isPresent()) {
            return Optional.of(new Prefix(p.get()));
        }
        if (text.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == '/')
                && Character.isLetter(text.charAt(0))) {
            return Optional.of(new Other(text));
        }
        return Optional.empty();
    }
}
