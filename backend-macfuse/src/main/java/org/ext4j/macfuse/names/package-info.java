/**
 * How names from macOS map to ext4's bytes: Unicode normalization and Finder's metadata files
 * ({@link org.ext4j.macfuse.names.UnicodeNames}), extended attribute namespaces
 * ({@link org.ext4j.macfuse.names.DarwinXattrNames}).
 */
package org.ext4j.macfuse.names;
