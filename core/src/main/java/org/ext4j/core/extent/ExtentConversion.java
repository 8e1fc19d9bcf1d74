package org.ext4j.core.extent;

/**
 * Flips extents between written and unwritten over a logical range: each piece of a different
 * kind is cut out and put back as the other kind, merging into contiguous neighbours of that
 * kind as any insertion does.
 */
final class ExtentConversion {
    private ExtentConversion() {
    }

    /** Makes every extent piece in [from, to) written ({@code toUnwritten} false) or unwritten. */
    static void convert(ExtentTreeEdit edit, long from, long to, boolean toUnwritten) {
        long pos = from;
        for (long guard = 0; guard <= edit.blocksCount + 1 && pos < to; guard++) {
            ExtentPath p = edit.nextExtent(pos);
            if (p == null) {
                return;
            }
            byte[] b = p.leaf().b;
            int i = p.leafPos();
            long s = ExtentNodes.key(b, i);
            long e = s + ExtentNodes.length(b, i);
            if (s >= to) {
                return;
            }
            if (ExtentNodes.unwritten(b, i) != toUnwritten) {
                long a = Math.max(s, pos);
                long z = Math.min(e, to);
                long pa = ExtentNodes.start(b, i) + (a - s);
                ExtentRemoval.unmap(edit, a, z, false);
                ExtentInsertion.insert(edit, a, pa, z - a, toUnwritten);
                pos = z;
            } else {
                pos = e;
            }
        }
    }
}
