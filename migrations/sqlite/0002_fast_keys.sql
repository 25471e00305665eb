-- A fast lookup key (xxh3-64, hex) of each stored licence and 加注件 document, so that verifying an
-- upload finds "is this exactly a document we issued?" without hashing it with SM3 first; a hit
-- is confirmed by comparing the bytes with the stored document.
ALTER TABLE licences ADD COLUMN ofd_fast TEXT;
ALTER TABLE licences ADD COLUMN pdf_fast TEXT;
CREATE INDEX licences_ofd_fast ON licences (ofd_fast);
CREATE INDEX licences_pdf_fast ON licences (pdf_fast);
ALTER TABLE annotations ADD COLUMN ofd_fast TEXT;
ALTER TABLE annotations ADD COLUMN pdf_fast TEXT;
CREATE INDEX annotations_ofd_fast ON annotations (ofd_fast);
CREATE INDEX annotations_pdf_fast ON annotations (pdf_fast);

-- When a seal was put in use (milliseconds): the department's official seal put in use last is
-- the one its licences are sealed with.
ALTER TABLE seals ADD COLUMN activated BIGINT;
