-- assertion shop_assertions.raw_quarantine_valid

-- full build
-- Quarantine rows are well formed: an id, a body, a known encoding and a reason from the closed set
-- (unknown_topic, invalid_json, schema, load_failed — each followed by ': details').


SELECT quarantine_id, shop, topic, webhook_id, reason, body_encoding
FROM "shop_raw"."quarantine"
WHERE quarantine_id IS NULL
  OR body IS NULL
  OR body_encoding IS NULL OR body_encoding NOT IN ('utf8', 'base64')
  OR reason IS NULL
  OR NOT (reason LIKE 'unknown_topic%' OR reason LIKE 'invalid_json%' OR reason LIKE 'schema%' OR reason LIKE 'load_failed%')
