package io.caravan.saga;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A row's step plan file, routes/sagas/&lt;plan&gt;.yaml, read when a saga starts: an edit or deploy applies to sagas
 * started after it; sagas already started run the plan frozen into them.
 */
public final class SagaPlans {
    private final Path file;
    private String lastText;
    private SagaPlan last;

    public SagaPlans(Path file) {
        this.file = file;
    }

    public static Path file(Path sagasDir, String planName) {
        return sagasDir.resolve(planName + ".yaml");
    }

    /** The plan as the file says now; the exception names the problem when the file is unusable. */
    public synchronized SagaPlan current() {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("saga plan " + file + " cannot be read", e);
        }
        if (!text.equals(lastText)) {
            last = SagaPlan.parse(text);
            lastText = text;
        }
        return last;
    }
}
