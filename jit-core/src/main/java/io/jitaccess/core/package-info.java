/**
 * The facade {@link io.jitaccess.core.JitAccess} and its values: requests, grants, results, and the exception
 * hierarchy rooted at {@link io.jitaccess.core.JitException}.
 */
package io.jitaccess.core;
