package db

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Secret returns the shared secret called name (at least 16 bytes), making a random one of
// size bytes the first time. Instances starting at once agree: each offers a fresh value
// with INSERT ... ON CONFLICT DO NOTHING, then all read the row that won (the read is a
// statement of its own, so it sees a row another instance committed meanwhile).
func Secret(ctx context.Context, pool *pgxpool.Pool, name string, size int) ([]byte, error) {
	fresh := make([]byte, max(size, 16))
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("db: secret %s: %w", name, err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO app_secrets (name, value) VALUES ($1, $2)
		ON CONFLICT (name) DO NOTHING`, name, fresh); err != nil {
		return nil, fmt.Errorf("db: secret %s: %w", name, err)
	}
	var v []byte
	if err := pool.QueryRow(ctx, `SELECT value FROM app_secrets WHERE name = $1`, name).Scan(&v); err != nil {
		return nil, fmt.Errorf("db: secret %s: %w", name, err)
	}
	return v, nil
}
