/** Runnable programs: the simulator {@link io.jitaccess.examples.Demo} and the README's compiled snippets. */
package io.jitaccess.examples;
