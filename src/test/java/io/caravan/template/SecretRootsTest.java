package io.caravan.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Secret references resolve only under the configured roots, and every refusal reads the same. */
class SecretRootsTest {
    private static final Map<String, String> ENVIRONMENT = Map.of(
            "CARAVAN_SECRET_SAP", "sap-token",
            "PATH", "/usr/bin:/bin",
            "HOME", "/root");

    @TempDir
    Path dir;

    private SecretRoots roots;

    @BeforeEach
    void setUp() throws Exception {
        Path root = Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(root.resolve("good"), "s3cret\n");
        Files.writeString(dir.resolve("outside"), "not for rows");
        Files.createSymbolicLink(root.resolve("link-out"), dir.resolve("outside"));
        Files.createSymbolicLink(root.resolve("link-in"), root.resolve("good"));
        Files.createDirectories(Path.of("target", "secret-root"));
        roots = new SecretRoots(
                List.of(root, Path.of("./data/secrets"), Path.of("./target/secret-root")),
                SecretRoots.DEFAULT_ENV_PREFIX,
                ENVIRONMENT::get);
    }

    @Test
    void a_file_under_a_root_and_a_prefixed_variable_resolve() {
        assertThat(roots.read("file:" + dir.resolve("secrets/good"))).isEqualTo("s3cret");
        assertThat(roots.read("file:" + dir.resolve("secrets/link-in"))).isEqualTo("s3cret");
        assertThat(roots.read("env:CARAVAN_SECRET_SAP")).isEqualTo("sap-token");
    }

    /** Guards against a row reading host files or variables through its secret reference. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "file:/etc/shadow",
                "file:/etc/passwd",
                "file:/root/.ssh/id_rsa",
                "file:./data/secrets/../../pom.xml",
                "file:./target/secret-root/../../pom.xml",
                "file:pom.xml",
                "env:PATH",
                "env:HOME",
                "env:CARAVAN_SECRET_",
                "env:CARAVAN_SECRET_UNSET",
                "hunter2"
            })
    void references_outside_the_roots_are_refused_with_one_message(String ref) {
        assertThatThrownBy(() -> roots.read(ref)).hasMessage(SecretRoots.UNUSABLE);
    }

    /** Guards against a link inside a root reaching a file outside it, and against messages that tell files apart. */
    @Test
    void links_out_of_a_root_missing_files_and_bad_content_read_the_same() {
        Path root = dir.resolve("secrets");

        assertThatThrownBy(() -> roots.read("file:" + root.resolve("link-out"))).hasMessage(SecretRoots.UNUSABLE);
        assertThatThrownBy(() -> roots.read("file:" + root.resolve("missing"))).hasMessage(SecretRoots.UNUSABLE);
        assertThatThrownBy(() -> roots.read("file:" + root)).hasMessage(SecretRoots.UNUSABLE);
        assertThatThrownBy(() -> roots.read("file:" + root.resolve("good"), value -> {
                    throw new IllegalArgumentException("webhook secret must start with whsec_, was " + value);
                }))
                .hasMessage(SecretRoots.UNUSABLE);
        assertThat(SecretRoots.UNUSABLE).doesNotContain(root.toString()).doesNotContain("s3cret");
    }

    @Test
    void an_empty_environment_prefix_is_refused_because_it_would_open_every_variable() {
        assertThatThrownBy(() -> new SecretRoots(List.of(), "", ENVIRONMENT::get))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
