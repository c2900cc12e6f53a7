-- GET /search/date-range, after a cursor
-- prepared as: interactions_date_range_after_reuse_21
-- values: [3,"2024-06-01","2024-07-01",21,"2024-06-20 14:00:00+00","61",3,"7421"]
SELECT
  CASE
    WHEN "site"."last_change" = $8 THEN NULL
    ELSE (
      SELECT
        count(*)
      FROM
        (
          SELECT
            "i"."id",
            "i"."start_datetime"
          FROM
            "interactions" "i"
          WHERE
            "i"."site_id" = $1
            AND "i"."start_datetime" >= $2
            AND "i"."start_datetime" < $3
          UNION ALL
          SELECT
            "i"."id",
            "i"."start_datetime"
          FROM
            "interactions" "i"
          WHERE
            "i"."site_id" = $1
            AND tstzrange ("i"."start_datetime", "i"."end_datetime", '[]') @> $2::timestamptz
            AND "i"."start_datetime" < $2
            AND "i"."end_datetime" > $2
            AND $2::timestamptz < $3::timestamptz
          LIMIT
            10001
        ) AS "matches"
    )
  END AS "total",
  "site"."last_change" AS "site_last_change",
  "page".*
FROM
  (
    SELECT
      1
  ) AS "one"
  LEFT JOIN "site_interaction_counts" "site" ON "site"."site_id" = $7
  LEFT JOIN (
    SELECT
      "i"."id" AS "id",
      "i"."site_id" AS "siteId",
      "i"."title" AS "title",
      "i"."type" AS "type",
      "i"."lead" AS "lead",
      "i"."start_datetime" AS "startDatetime",
      "i"."end_datetime" AS "endDatetime",
      "i"."timezone" AS "timezone",
      "i"."location" AS "location",
      "i"."description" AS "description",
      "i"."notes" AS "notes",
      "i"."created_by" AS "createdBy",
      "i"."created_at" AS "createdAt",
      "i"."updated_at" AS "updatedAt",
      "i"."version" AS "version"
    FROM
      (
        SELECT
          "i"."id"
        FROM
          (
            (
              SELECT
                "i"."id",
                "i"."start_datetime"
              FROM
                "interactions" "i"
              WHERE
                "i"."site_id" = $1
                AND "i"."start_datetime" >= $2
                AND "i"."start_datetime" < $3
                AND ("i"."start_datetime", "i"."id") > ($5, $6)
              ORDER BY
                "i"."start_datetime" ASC,
                "i"."id" ASC
              LIMIT
                $4
            )
            UNION ALL
            (
              SELECT
                "i"."id",
                "i"."start_datetime"
              FROM
                "interactions" "i"
              WHERE
                "i"."site_id" = $1
                AND tstzrange ("i"."start_datetime", "i"."end_datetime", '[]') @> $2::timestamptz
                AND "i"."start_datetime" < $2
                AND "i"."end_datetime" > $2
                AND $2::timestamptz < $3::timestamptz
                AND ("i"."start_datetime", "i"."id") > ($5, $6)
            )
          ) AS "i"
        WHERE
          TRUE
        ORDER BY
          "i"."start_datetime" ASC,
          "i"."id" ASC
        LIMIT
          21
      ) AS "ids"
      JOIN "interactions" "i" ON "i"."id" = "ids"."id"
  ) AS "page" ON TRUE
ORDER BY
  "page"."startDatetime" ASC,
  "page"."id" ASC
