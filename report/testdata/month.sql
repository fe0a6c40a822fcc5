-- A month of appeals for BenchmarkWriteMonth: 100,000 received in
-- November 2026 (Moscow), and 100,000 in October before them, with ~5
-- events each: registration to approval, ratings, returned drafts and
-- reopens. Run as it is: psql -f report/testdata/month.sql DB
SET LOCAL TIME ZONE 'Europe/Moscow';

INSERT INTO staff (user_id, name)
SELECT 1000 + e, 'Исполнитель ' || e FROM generate_series(0, 39) e;

-- g 1..100000 are received in October, 100001..200000 in November,
-- evenly over each month. An appeal from another channel is registered
-- (created) 0–5 days after it was received, so some of November's are
-- registered in December and still count in November.
INSERT INTO appeals (id, year, seq, kind, source, state, direction, text, created_at, updated_at,
    received_at, registered_at, due_at, answered_at, closed_at, rating, reopen_count, executor_id)
SELECT g, 2026, g, kind, source, state,
    (ARRAY[NULL, 'politics', 'social', 'housing', 'economy', 'property'])[1 + g % 6],
    'текст обращения', created, created,
    CASE WHEN source <> 'bot' THEN received END,
    created, created + interval '14 days',
    CASE WHEN state IN ('answered', 'closed', 'reopened') THEN created + (g % 17) * interval '1 day' END,
    CASE WHEN state IN ('closed', 'rejected', 'withdrawn') THEN created + (g % 17) * interval '1 day' END,
    CASE WHEN state IN ('answered', 'closed') THEN 1 + g % 5 END,
    CASE WHEN state = 'reopened' THEN 1 ELSE 0 END,
    CASE WHEN state NOT IN ('registered', 'rejected', 'withdrawn') THEN 1000 + g % 40 END
FROM (
    SELECT *, received + CASE WHEN source = 'bot' THEN interval '0' ELSE (g % 6) * interval '1 day' END AS created
    FROM (
        SELECT g,
            CASE WHEN g <= 100000 THEN timestamptz '2026-10-01 00:00' + (g - 1) * (interval '31 days' / 100000)
                 ELSE timestamptz '2026-11-01 00:00' + (g - 100001) * (interval '30 days' / 100000) END AS received,
            CASE WHEN g % 10 < 7 THEN 'message' WHEN g % 10 < 9 THEN 'appeal59' ELSE 'incident' END AS kind,
            CASE WHEN g % 10 < 7 THEN 'bot' ELSE (ARRAY['pos', 'social', 'phone', 'in_person', 'email'])[1 + g % 5] END AS source,
            (ARRAY['closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'closed', 'answered', 'answered',
                   'answered', 'answered', 'reopened', 'in_progress', 'in_progress', 'in_progress', 'rejected',
                   'on_approval', 'assigned', 'withdrawn'])[1 + g % 20] AS state
        FROM generate_series(1, 200000) g
    ) r
) s;

SELECT setval('appeals_id_seq', 200000);

-- The way of every appeal: registered, routed, taken, drafted, approved.
INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload)
SELECT a.id, a.created_at + e * interval '1 hour', 'system', 0, 'system', ev, 'x', 'y', '{}'
FROM appeals a, unnest(ARRAY['register', 'route', 'take', 'submit_draft', 'approve']) WITH ORDINALITY AS t(ev, e);

-- A rating for every answer; a reopened appeal has its earlier one.
INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload)
SELECT id, answered_at + interval '1 hour', 'resident', 0, '', 'rate', 'answered', 'answered',
    jsonb_build_object('rating', 1 + id % 5)
FROM appeals WHERE answered_at IS NOT NULL;

-- A returned draft on every seventh appeal worked on.
INSERT INTO appeal_events (appeal_id, at, actor_kind, actor_id, role, event, from_state, to_state, payload)
SELECT id, created_at + interval '2 hours', 'staff', 1000 + id % 40, 'curator', 'return', 'on_approval', 'in_progress',
    jsonb_build_object('reason', (ARRAY['отписка: ответ не по существу вопроса', 'не указан срок устранения проблемы',
        'в ответе есть противоречия', 'Приложите акт выполненных работ'])[1 + id % 4])
FROM appeals WHERE executor_id IS NOT NULL AND id % 7 = 0;
