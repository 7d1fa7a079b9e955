-- One database per service (each service owns its data; none reads another's tables).
-- Mounted into /docker-entrypoint-initdb.d by docker-compose.yml: the postgres image runs it
-- once, as POSTGRES_USER (burg, who therefore owns these databases), and only when the data
-- volume is empty. To add a database later, create it by hand or recreate the volume.
CREATE DATABASE posts;
CREATE DATABASE comments;
CREATE DATABASE notify;
CREATE DATABASE feeds;
CREATE DATABASE search;
