package org.ext4j.core.crash;

import org.ext4j.core.testing.WriteRecorder;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Turns a recorded write history into crash images: the image as it was before the workload plus
 * the writes that could have reached the disk when power failed at some point.
 */
final class CrashImages {
    /**
     * One crash: every event before {@code durable} reached the disk (it ends right after a flush,
     * or is 0), and of the writes between {@code durable} and the next flush only those whose
     * index is in {@code extra} did.
     */
    record Cut(int durable, List<Integer> extra, String label) {
    }

    private CrashImages() {
    }

    /**
     * Every cut right after a flush, then random cuts between flushes until {@code total}: each
     * picks an interval between two flushes and a random subset of its writes (applied in issue
     * order; leaving out the later of two writes to one block is how "the earlier one reached the
     * disk" is modelled).
     */
    static List<Cut> plan(List<WriteRecorder.Event> events, int total, long seed) {
        List<Integer> flushEnds = new ArrayList<>();
        flushEnds.add(0);
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).isFlush()) {
                flushEnds.add(i + 1);
            }
        }
        List<Cut> cuts = new ArrayList<>();
        for (int end : flushEnds) {
            cuts.add(new Cut(end, List.of(), "after event " + end + " (a flush)"));
        }
        List<int[]> intervals = new ArrayList<>();
        for (int k = 0; k < flushEnds.size(); k++) {
            int from = flushEnds.get(k);
            int to = k + 1 < flushEnds.size() ? flushEnds.get(k + 1) - 1 : events.size();
            if (to - from >= 1) {
                intervals.add(new int[] {from, to});
            }
        }
        Random rnd = new Random(seed);
        while (cuts.size() < total && !intervals.isEmpty()) {
            int[] iv = intervals.get(rnd.nextInt(intervals.size()));
            List<Integer> extra = new ArrayList<>();
            for (int i = iv[0]; i < iv[1]; i++) {
                if (rnd.nextBoolean()) {
                    extra.add(i);
                }
            }
            cuts.add(new Cut(iv[0], extra, "after event " + iv[0] + " plus writes " + abbreviate(extra)));
        }
        return cuts;
    }

    /** Applies events {@code [from, to)} (writes only) to {@code image}. */
    static void apply(byte[] image, List<WriteRecorder.Event> events, int from, int to) {
        for (int i = from; i < to; i++) {
            write(image, events.get(i));
        }
    }

    /** A copy of {@code durableImage} (the image with every event before the cut's durable point) with the cut's extra writes. */
    static byte[] image(byte[] durableImage, List<WriteRecorder.Event> events, Cut cut) {
        byte[] img = durableImage.clone();
        for (int i : cut.extra()) {
            write(img, events.get(i));
        }
        return img;
    }

    private static void write(byte[] image, WriteRecorder.Event e) {
        if (!e.isFlush()) {
            System.arraycopy(e.data(), 0, image, (int) e.offset(), e.data().length);
        }
    }

    private static String abbreviate(List<Integer> list) {
        String s = list.toString();
        return s.length() > 80 ? s.substring(0, 77) + "...]" : s;
    }
}
