package io.caravan.ops;

/** io.caravan:type=Watermarks: where each feed is, and an explicit, audited reset. */
public interface WatermarksMBean {

    @Described("Every feed's watermark: the last (updated_at, id) fully handled")
    String[] getWatermarks();

    @Described(
            value = "The route's watermark",
            params = {"route"})
    String showWatermark(String route);

    @Described(
            value = "Sets the route's watermark to (updatedAt, id), backwards to re-read or forwards to skip; audited",
            params = {"route", "updatedAt", "id"})
    String resetWatermark(String route, String updatedAt, String id);

    @Described(
            value = "Start from now: the route skips every row updated before now (its backlog); audited",
            params = {"route"})
    String resetWatermarkToNow(String route);
}
