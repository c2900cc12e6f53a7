-- GET /interactions/{id}, the session checked in the same statement (SiteReads)
-- prepared as: interaction_in_site_session_checked
-- values: ["61",3,3,"00000000-0000-4000-8000-000000000000",9]
SELECT
  "session"."current_site_id" AS "session_site_id",
  "session"."role" AS "session_role",
  "read".*
FROM
  (
    SELECT
      s.current_site_id,
      m.role
    FROM
      sessions s
      JOIN users u ON u.id = s.user_id
      AND u.disabled_at IS NULL
      LEFT JOIN site_memberships m ON m.user_id = s.user_id
      AND m.site_id = s.current_site_id
    WHERE
      s.id = $4
      AND s.user_id = $5
      AND s.revoked_at IS NULL
      AND s.expires_at > now()
  ) AS "session"
  LEFT JOIN (
    SELECT
      TRUE AS "read_row",
      "q".*
    FROM
      (
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
      ) AS "q"
  ) AS "read" ON "session"."current_site_id" = $3
  AND "session"."role" IS NOT NULL
