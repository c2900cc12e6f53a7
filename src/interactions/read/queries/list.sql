-- GET /interactions, page 1 (the total from the site counter)
-- prepared as: interactions_page_21
-- values: [3]
SELECT
  (
    SELECT
      "interactions"
    FROM
      "site_interaction_counts"
    WHERE
      "site_id" = $1
  ) AS "total",
  "page".*
FROM
  (
    SELECT
      1
  ) AS "one"
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
        ORDER BY
          "i"."start_datetime" DESC,
          "i"."id" DESC
        LIMIT
          21
      ) AS "ids"
      JOIN "interactions" "i" ON "i"."id" = "ids"."id"
  ) AS "page" ON TRUE
ORDER BY
  "page"."startDatetime" DESC,
  "page"."id" DESC
