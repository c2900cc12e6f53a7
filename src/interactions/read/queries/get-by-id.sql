-- GET /interactions/{id}
-- prepared as: interaction_in_site
-- values: ["61",3]
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
  "i"."id" = $1
  AND "i"."site_id" = $2
