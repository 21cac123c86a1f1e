package io.jitaccess.cli.redteam;

import static io.jitaccess.cli.redteam.CliRig.ADMIN;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Red team: a second jit on a world whose lock is held (another command running in the same JVM). */
class CliLockRedTeamTest {
    @TempDir
    Path dir;

    /*
     * FAILS (expected to): Session takes the world lock with FileChannel.lock(). Run in process (Jit.execute, a public
     * API) while the lock is held in the same JVM, lock() throws OverlappingFileLockException, which ExitCodes maps to
     * 1 ("unexpected error (a bug)"). Between two processes the same lock() blocks with no timeout and no message.
     * Nothing is written either way (checked), so it fails closed, but the code is undocumented. Fix: tryLock() in a
     * bounded loop on the world's clock-free retry (or at once), and on failure (null or OverlappingFileLock) throw a
     * StoreException/CliException "world FILE is busy: another jit command holds FILE.lock" with exit 6; print
     * "waiting for FILE.lock" on stderr while waiting between processes.
     */
    @Test
    void aCommandOnABusyWorldFailsCleanlyAndChangesNothing() throws IOException {
        CliRig a = new CliRig(dir, "a.json");
        a.ok("scan");
        String before = Files.readString(a.world);
        Path lockFile = a.world.resolveSibling(a.world.getFileName() + ".lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock held = ch.lock()) {
            // in one JVM the second lock() cannot wait: it fails at once (OverlappingFileLockException)
            CliRig.R r = a.run("--as", ADMIN, "enable", "web-01", "--port", "22,sources=203.0.113.0/24");
            assertThat(r.code()).as(r.toString()).isNotZero();
            assertThat(Files.readString(a.world)).isEqualTo(before);
            assertThat(r.code()).as("a busy world is a documented refusal or store failure, not 'a bug': %s", r)
                    .isIn(3, 6);
            CliRig.assertNoStackTrace(r);
        }
        a.ok("--as", ADMIN, "enable", "web-01", "--port", "22,sources=203.0.113.0/24");
    }
}
