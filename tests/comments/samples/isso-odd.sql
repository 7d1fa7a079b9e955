-- Written for Burg's tests: an Isso database (schema version 5, as Isso 0.13 makes it) of a
-- small news site, with the odd cases an import meets. The test builds the SQLite file from
-- this script (no binary database is kept); see tests/comments/test_import_sources.py.
PRAGMA user_version = 5;
BEGIN;  -- one transaction: one sync, not one per row

CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR);
INSERT INTO preferences VALUES ('session-key', '5f1c0d3a9e');

CREATE TABLE threads (
    id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));

CREATE TABLE comments (
    tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
    created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
    text VARCHAR NOT NULL, author VARCHAR, email VARCHAR, website VARCHAR,
    likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
    notification INTEGER DEFAULT 0);

INSERT INTO threads VALUES (1, '/2019/05/harbour-dredging/', 'The harbour will be dredged');
INSERT INTO threads VALUES (2, '/2019/06/ferry-timetable/', NULL);
INSERT INTO threads VALUES (3, '/about/', 'About us');  -- no comments: not given
INSERT INTO threads VALUES (4, '/2019/07/regatta/', 'Regatta');  -- only a comment with no date

-- 2019-05-02 09:00:00 UTC is 1556787600
INSERT INTO comments VALUES (1, 1, NULL, 1556787600.0, NULL, 1, '192.0.2.0',
    'About **time**. The silt has been *terrible*
since the [storm](https://weather.example/storm).', 'Marta Quayside', 'marta@mail.example',
    'https://marta.example/', 3, 0, x'00', 1);
INSERT INTO comments VALUES (1, 2, 1, 1556791200.5, 1556792000.0, 1, '198.51.100.0',
    'Will the ferry still run?', 'Old Salt', NULL, '', 0, 0, x'00', 0);
-- deleted (Isso keeps it, emptied, while it has replies), with a reply
INSERT INTO comments VALUES (1, 3, NULL, 1556794800.0, 1556795000.0, 4, '203.0.113.0',
    '', NULL, NULL, NULL, 0, 0, x'00', 0);
INSERT INTO comments VALUES (1, 4, 3, 1556798400.0, NULL, 1, '203.0.113.0',
    'Why was that removed?', '', NULL, NULL, 0, 0, x'00', 0);
-- waiting for approval
INSERT INTO comments VALUES (1, 5, NULL, 1556802000.0, NULL, 2, '203.0.113.0',
    'Cheap watches at http://spam.example/', 'Watches', 'spam@spam.example',
    'http://spam.example/', 0, 0, x'00', 0);
-- its parent is gone
INSERT INTO comments VALUES (1, 6, 999, 1556805600.0, NULL, 1, '192.0.2.0',
    'I agree with the above.', 'Late Reader', NULL, NULL, 0, 0, x'00', 0);
-- raw HTML and a javascript: link in the Markdown
INSERT INTO comments VALUES (1, 7, NULL, 1556809200.0, NULL, 1, '192.0.2.0',
    'Nice<script>alert("x")</script> [article](javascript:alert(1))', '<b>Mallory</b>', NULL,
    'javascript:alert(1)', 0, 0, x'00', 0);
-- a reply dated before the comment it answers
INSERT INTO comments VALUES (1, 8, 2, 1556791100.0, NULL, 1, '192.0.2.0',
    '    indented: a code block', '  Harbour Master  ', NULL, '  https://port.example/  ',
    0, 0, x'00', 0);

-- 2019-06-01 07:30:00 UTC is 1559374200
INSERT INTO comments VALUES (2, 9, NULL, 1559374200.25, NULL, 1, '192.0.2.0',
    'Très bien ! ~~7:40~~ 7:50, ça me va.', 'Zoë Lefèvre', 'zoe@mail.example', NULL,
    0, 0, x'00', 0);
INSERT INTO comments VALUES (2, 10, 9, 1559377800.0, NULL, 1, '192.0.2.0',
    '¿Y el domingo?', 'José Müller', NULL, NULL, 0, 0, x'00', 0);

-- a thread that is not in the database
INSERT INTO comments VALUES (99, 11, NULL, 1559377800.0, NULL, 1, '192.0.2.0',
    'Where am I?', 'Lost', NULL, NULL, 0, 0, x'00', 0);
-- no readable date
INSERT INTO comments VALUES (4, 12, NULL, 'yesterday', NULL, 1, '192.0.2.0',
    'When?', 'Timeless', NULL, NULL, 0, 0, x'00', 0);
COMMIT;
