/**
 * {@code jit}, the command line of jit-access (picocli): every operation of the facade against Azure
 * ({@code --subscription}) or a simulator world kept in a JSON file ({@code --world}), with state in an H2 file or a
 * shared database. Not an API: the entry point is {@link io.jitaccess.cli.Jit#main}; the documented surface is the
 * command line, its JSON output and its exit codes (README, "Command line (jit)").
 */
package io.jitaccess.cli;
