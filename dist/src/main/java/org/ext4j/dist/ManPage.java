package org.ext4j.dist;

/**
 * The section headings every command's {@code --help} uses, so that help reads like a manual
 * page: NAME line, SYNOPSIS, DESCRIPTION, OPERANDS, OPTIONS, EXIT STATUS, EXAMPLES.
 */
final class ManPage {
    static final String SYNOPSIS = "%nSYNOPSIS%n  ";
    static final String DESCRIPTION = "%nDESCRIPTION%n";
    static final String OPERANDS = "%nOPERANDS%n";
    static final String OPTIONS = "%nOPTIONS%n";
    static final String COMMANDS = "%nCOMMANDS%n";
    static final String EXIT_STATUS = "%nEXIT STATUS%n";
    static final String EXAMPLES = "%nEXAMPLES%n";

    static final String EXIT_OK = "0:success";
    static final String EXIT_FAILED = "1:an operand failed (missing file, damaged image, ...); the reason is on stderr";
    static final String EXIT_USAGE = "2:usage error (unknown option, missing operand)";

    private ManPage() {
    }
}
