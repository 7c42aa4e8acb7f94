-- The schema the hand changes start from: one of each kind of object the check compares.
CREATE EXTENSION citext;
CREATE SCHEMA shop;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TYPE shop.status AS ENUM ('new', 'paid', 'shipped');
COMMENT ON TYPE mood IS 'how one feels';
CREATE DOMAIN positive_int AS integer NOT NULL DEFAULT 1 CONSTRAINT positive_int_check CHECK (VALUE > 0);
CREATE TYPE address AS (street text, city text);
CREATE TABLE users (
    id bigserial PRIMARY KEY,
    email citext NOT NULL UNIQUE,
    name varchar(100),
    active boolean NOT NULL DEFAULT false,
    feeling mood DEFAULT 'happy',
    created_at timestamptz NOT NULL DEFAULT now(),
    score numeric(10, 2) DEFAULT 0,
    CONSTRAINT users_name_check CHECK (char_length(name) > 0)
);
COMMENT ON TABLE users IS 'people';
COMMENT ON COLUMN users.email IS 'where to write';
CREATE TABLE shop.orders (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status shop.status NOT NULL DEFAULT 'new',
    quantity positive_int,
    price numeric(12, 2) NOT NULL,
    total numeric GENERATED ALWAYS AS (price * 2) STORED,
    shipping address,
    note text DEFAULT 'none',
    tags text[] DEFAULT '{}',
    wait interval DEFAULT '1 day'
);
CREATE INDEX orders_user_idx ON shop.orders (user_id);
CREATE UNIQUE INDEX orders_note_lower_idx ON shop.orders (lower(note)) WHERE note IS NOT NULL;
CREATE INDEX users_created_brin ON users USING brin (created_at);
CREATE SEQUENCE invoice_numbers;
CREATE TABLE audit (id serial PRIMARY KEY, at timestamptz DEFAULT now(), what text);
CREATE UNLOGGED TABLE cache (key text PRIMARY KEY, value jsonb DEFAULT '{}');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.created_at = now(); RETURN NEW; END $$;
CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch();
CREATE FUNCTION add(a integer, b integer) RETURNS integer LANGUAGE sql AS 'SELECT a + b';
CREATE FUNCTION shop.order_count(user_id bigint) RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT count(*) FROM shop.orders o WHERE o.user_id = $1 $$;
CREATE PROCEDURE log_it(what text) LANGUAGE sql AS $$ INSERT INTO audit (what) VALUES (what) $$;
CREATE VIEW active_users AS SELECT id, email FROM users WHERE active;
COMMENT ON VIEW active_users IS 'who is active';
CREATE MATERIALIZED VIEW order_totals AS SELECT user_id, sum(price) AS total FROM shop.orders GROUP BY user_id;
CREATE INDEX order_totals_user_idx ON order_totals (user_id);
CREATE TABLE tags (id int PRIMARY KEY, label text NOT NULL, parent int REFERENCES tags (id));
CREATE FUNCTION greet(who varchar(20), OUT greeting varchar(40)) LANGUAGE sql AS $$ SELECT 'hi ' || who $$;
CREATE FUNCTION numbers(upto integer) RETURNS TABLE (n integer) LANGUAGE sql AS 'SELECT generate_series(1, upto)';
