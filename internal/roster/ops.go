package roster

import "time"

// PoolStats are the figures of a database connection pool, for the
// operations metrics.
type PoolStats struct {
	Total, Idle, Acquired, Constructing, Max  int32
	Acquires, EmptyAcquires, CanceledAcquires int64
	AcquireDuration                           time.Duration
	NewConns, LifetimeDestroys, IdleDestroys  int64
}
