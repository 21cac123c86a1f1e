/**
 * Network values: IPv4/IPv6 prefixes, port ranges, protocols and service tags, all immutable and thread-safe.
 */
package io.jitaccess.core.net;
