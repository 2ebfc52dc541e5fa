package io.caravan.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.caravan.testing.CaravanApp;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import javax.management.MBeanException;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;

/**
 * An operator's client for caravan's MBeans: through the platform MBean server (JMX, principal jmx:local) or through
 * Jolokia over HTTP with basic credentials. Arrays come back as lists; a refused operation throws
 * IllegalArgumentException with the MBean's message either way.
 */
abstract class Operations {
    static final ObjectMapper JSON = new ObjectMapper();

    abstract Object invoke(String mbean, String operation, Object... args);

    abstract Object read(String mbean, String attribute);

    abstract String principal();

    @SuppressWarnings("unchecked")
    List<String> lines(String mbean, String operation, Object... args) {
        return (List<String>) invoke(mbean, operation, args);
    }

    String text(String mbean, String operation, Object... args) {
        return (String) invoke(mbean, operation, args);
    }

    @SuppressWarnings("unchecked")
    List<String> attributeLines(String mbean, String attribute) {
        return (List<String>) read(mbean, attribute);
    }

    static Operations jmx() {
        return new Operations() {
            @Override
            Object invoke(String mbean, String operation, Object... args) {
                String[] signature = Arrays.stream(args)
                        .map(a -> a instanceof Integer ? "int" : a instanceof Long ? "long" : String.class.getName())
                        .toArray(String[]::new);
                try {
                    return plain(ManagementFactory.getPlatformMBeanServer()
                            .invoke(new ObjectName(mbean), operation, args, signature));
                } catch (RuntimeMBeanException e) {
                    throw new IllegalArgumentException(e.getTargetException().getMessage());
                } catch (MBeanException e) {
                    throw new IllegalArgumentException(e.getTargetException().getMessage());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            Object read(String mbean, String attribute) {
                try {
                    return plain(
                            ManagementFactory.getPlatformMBeanServer().getAttribute(new ObjectName(mbean), attribute));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }

            @Override
            String principal() {
                return Operator.LOCAL_JMX;
            }

            @Override
            public String toString() {
                return "JMX";
            }
        };
    }

    static Jolokia jolokia(CaravanApp app, String user, String password) {
        return new Jolokia(app, user, password);
    }

    private static Object plain(Object value) {
        return value instanceof String[] array ? List.of(array) : value;
    }

    /** Jolokia at /observe/jolokia: POST requests with a JSON body, as scripts and Hawtio send them. */
    static final class Jolokia extends Operations {
        private final HttpClient http = HttpClient.newHttpClient();
        private final CaravanApp app;
        private final String user;
        private final String credentials;

        Jolokia(CaravanApp app, String user, String password) {
            this.app = app;
            this.user = user;
            this.credentials = user == null ? null : user + ":" + password;
        }

        /** The HTTP response to a JSON request. */
        HttpResponse<String> post(ObjectNode request) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(app.managementUrl("/observe/jolokia")))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(request.toString()));
            if (credentials != null) {
                builder.header(
                        "Authorization",
                        "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
            }
            try {
                return http.send(builder.build(), HttpResponse.BodyHandlers.ofString());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        static ObjectNode exec(String mbean, String operation, Object... args) {
            ObjectNode request = JSON.createObjectNode();
            request.put("type", "exec").put("mbean", mbean).put("operation", operation);
            ArrayNode arguments = request.putArray("arguments");
            for (Object a : args) {
                arguments.add(JSON.valueToTree(a));
            }
            return request;
        }

        static ObjectNode readRequest(String mbean, String attribute) {
            ObjectNode request = JSON.createObjectNode();
            request.put("type", "read").put("mbean", mbean).put("attribute", attribute);
            return request;
        }

        /** The JSON answer to one request (Jolokia wraps some answers, refusals among them, in a list of one). */
        static JsonNode body(HttpResponse<String> response) {
            try {
                JsonNode body = JSON.readTree(response.body());
                return body.isArray() && body.size() == 1 ? body.get(0) : body;
            } catch (Exception e) {
                throw new IllegalStateException("not JSON (HTTP " + response.statusCode() + "): " + response.body(), e);
            }
        }

        @Override
        Object invoke(String mbean, String operation, Object... args) {
            return value(post(exec(mbean, operation, args)));
        }

        @Override
        Object read(String mbean, String attribute) {
            return value(post(readRequest(mbean, attribute)));
        }

        private static Object value(HttpResponse<String> response) {
            JsonNode body = body(response);
            if (body.path("status").asInt() != 200) {
                throw new IllegalArgumentException(
                        body.path("error").asText().replaceFirst("^[\\w.]+Exception : ", ""));
            }
            JsonNode value = body.get("value");
            if (value.isArray()) {
                List<String> lines = new ArrayList<>();
                value.forEach(v -> lines.add(v.asText()));
                return lines;
            }
            return value.isNull() ? null : value.asText();
        }

        @Override
        String principal() {
            return Operator.JOLOKIA_PREFIX + user;
        }

        @Override
        public String toString() {
            return "Jolokia";
        }
    }
}
