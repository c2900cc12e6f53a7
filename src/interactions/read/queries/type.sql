-- GET /search/type/{type}
-- prepared as: (unnamed)
-- values: [3,"Meeting",3,"7421",21,0]
SELECT
  CASE
    WHEN "site"."last_change" = $4 THEN NULL
    ELSE (
      SELECT
        count(*)
      FROM
        (
          SELECT
            1
          FROM
            "interactions" "i"
          WHERE
            "i"."site_id" = $1
            AND "i"."type" = $2
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
  LEFT JOIN "site_interaction_counts" "site" ON "site"."site_id" = $3
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
          "interactions" "i"
        WHERE
          "i"."site_id" = $1
          AND "i"."type" = $2
        ORDER BY
          "i"."start_datetime" DESC,
          "i"."id" DESC
        LIMIT
          $5
        OFFSET
          $6
      ) AS "ids"
      JOIN "interactions" "i" ON "i"."id" = "ids"."id"
  ) AS "page" ON TRUE
ORDER BY
  "page"."startDatetime" DESC,
  "page"."id" DESC
