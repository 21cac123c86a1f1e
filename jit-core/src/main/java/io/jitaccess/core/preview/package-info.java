/**
 * What a change would do, computed without doing it: {@link io.jitaccess.core.preview.Preview}, from
 * {@code JitAccess.preview()}.
 */
@NullMarked
package io.jitaccess.core.preview;

import org.jspecify.annotations.NullMarked;
