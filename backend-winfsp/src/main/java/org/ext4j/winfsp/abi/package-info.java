/**
 * The facts of WinFsp's FUSE3 layer on 64-bit Windows as data ({@link org.ext4j.winfsp.abi.WinFsp}):
 * struct layouts, MSVC errno and open-flag values, the 40-slot operation table and the env-less
 * entry points. No native calls.
 */
package org.ext4j.winfsp.abi;
