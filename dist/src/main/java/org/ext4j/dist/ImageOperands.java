package org.ext4j.dist;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Parses IMAGE:PATH operands for the commands that need a path inside the image. */
final class ImageOperands {
    private ImageOperands() {
    }

    /**
     * Parses each operand; one without ':' is a usage error (exit 2), since a bare image name
     * does not say which file is meant.
     */
    static List<ImagePath> requirePaths(CommandSpec spec, List<String> operands) {
        List<ImagePath> out = new ArrayList<>();
        for (String operand : operands) {
            ImagePath p;
            try {
                p = ImagePath.parse(operand);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
            if (!p.explicit()) {
                throw new ParameterException(spec.commandLine(), "'" + operand
                        + "' names no file inside the image: write IMAGE:PATH, e.g. " + operand + ":/etc/hostname ("
                        + operand + ": is the root directory)");
            }
            out.add(p);
        }
        return out;
    }
}
