/**
 * The macOS backend: ext4j served through macFUSE 5's libfuse3 with the Darwin extensions on.
 * {@link org.ext4j.macfuse.MacFuseBackend} mounts, {@link org.ext4j.macfuse.MacFuseOptions} says
 * how, {@link org.ext4j.macfuse.MacFuseHost} where macFUSE is; {@code abi} holds macOS's and
 * macFUSE's numbers and layouts, {@code names} how macOS names map to ext4's bytes.
 */
package org.ext4j.macfuse;
