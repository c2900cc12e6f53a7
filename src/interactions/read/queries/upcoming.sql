-- GET /search/upcoming
-- prepared as: interactions_upcoming_10
-- values: [3]
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
  "interactions" "i"
WHERE
  "i"."site_id" = $1
  AND "i"."start_datetime" > now()
ORDER BY
  "i"."start_datetime" ASC,
  "i"."id" ASC
LIMIT
  10
