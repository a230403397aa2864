// Runs EPUBCheck on several EPUBs in one JVM: the JVM's start and EPUBCheck's schema
// loading cost seconds, paid once here instead of once per file.
// Usage: java -cp epubcheck.jar EpubcheckBatch.java BOOK.epub REPORT.json [BOOK.epub REPORT.json ...]
import com.adobe.epubcheck.tool.EpubChecker;

public class EpubcheckBatch {
    public static void main(String[] args) {
        if (args.length == 0 || args.length % 2 != 0) {
            System.err.println("usage: EpubcheckBatch BOOK.epub REPORT.json [BOOK.epub REPORT.json ...]");
            System.exit(2);
        }
        for (int i = 0; i < args.length; i += 2) {
            new EpubChecker().run(new String[] {args[i], "--quiet", "--json", args[i + 1]});
        }
    }
}
