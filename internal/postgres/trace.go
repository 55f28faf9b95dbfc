package postgres

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// TraceEnv names the setting that makes Open log every statement it runs,
// with its arguments, as JSON lines to a file: the benchmark harness reads
// them back to EXPLAIN ANALYZE exactly what a request ran. Off unless set.
const TraceEnv = "ROSTER_SQL_TRACE"

// TracedStatement is one line of the trace.
type TracedStatement struct {
	At   time.Time   `json:"at"`
	SQL  string      `json:"sql"`
	Args []TracedArg `json:"args"`
	PID  uint32      `json:"pid"`
}

// TracedArg is an argument with its Go kind, so it can be rebuilt with the
// same type (a bytea stays bytes, an interval a duration).
type TracedArg struct {
	Kind  string          `json:"k"`
	Value json.RawMessage `json:"v,omitempty"`
}

type fileTracer struct {
	mu sync.Mutex
	f  *os.File
}

func newFileTracer(path string) (*fileTracer, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", TraceEnv, err)
	}
	return &fileTracer{f: f}, nil
}

func (t *fileTracer) TraceQueryStart(ctx context.Context, conn *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	t.write(conn, data.SQL, data.Args)
	return ctx
}

func (t *fileTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// A batch's statements (keptPlans) are written as their results are read.
func (t *fileTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (t *fileTracer) TraceBatchQuery(_ context.Context, conn *pgx.Conn, data pgx.TraceBatchQueryData) {
	t.write(conn, data.SQL, data.Args)
}

func (t *fileTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (t *fileTracer) write(conn *pgx.Conn, sql string, args []any) {
	st := TracedStatement{At: time.Now(), SQL: sql, PID: conn.PgConn().PID()}
	for _, a := range args {
		st.Args = append(st.Args, EncodeTraceArg(a))
	}
	b, err := json.Marshal(st)
	if err != nil {
		return
	}
	t.mu.Lock()
	t.f.Write(append(b, '\n'))
	t.mu.Unlock()
}

// EncodeTraceArg records a statement argument with its kind.
func EncodeTraceArg(a any) TracedArg {
	raw := func(v any) json.RawMessage { b, _ := json.Marshal(v); return b }
	rv := reflect.ValueOf(a)
	for rv.IsValid() && rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return TracedArg{Kind: "null"}
		}
		rv = rv.Elem()
		a = rv.Interface()
	}
	switch v := a.(type) {
	case nil:
		return TracedArg{Kind: "null"}
	case time.Time:
		return TracedArg{Kind: "time", Value: raw(v.Format(time.RFC3339Nano))}
	case time.Duration:
		return TracedArg{Kind: "duration", Value: raw(int64(v))}
	case []byte:
		return TracedArg{Kind: "bytes", Value: raw(base64.StdEncoding.EncodeToString(v))}
	case [][]byte:
		s := make([]string, len(v))
		for i := range v {
			s[i] = base64.StdEncoding.EncodeToString(v[i])
		}
		return TracedArg{Kind: "bytes[]", Value: raw(s)}
	case string:
		return TracedArg{Kind: "text", Value: raw(v)}
	case bool:
		return TracedArg{Kind: "bool", Value: raw(v)}
	case int, int8, int16, int32, int64, uint8, uint16, uint32:
		return TracedArg{Kind: "int", Value: raw(v)}
	case float32, float64:
		return TracedArg{Kind: "float", Value: raw(v)}
	case []int64:
		return TracedArg{Kind: "int[]", Value: raw(v)}
	case []string:
		return TracedArg{Kind: "text[]", Value: raw(v)}
	case map[string]any:
		return TracedArg{Kind: "json", Value: raw(v)}
	}
	if rv.Kind() == reflect.Slice {
		// Arrays of anything else (the job queue's batch inserts): each
		// element with its kind.
		var el []TracedArg
		for i := range rv.Len() {
			el = append(el, EncodeTraceArg(rv.Index(i).Interface()))
		}
		return TracedArg{Kind: "list", Value: raw(el)}
	}
	return TracedArg{Kind: "text", Value: raw(fmt.Sprint(a))}
}

// DecodeTraceArgs rebuilds a statement's arguments from the trace.
func DecodeTraceArgs(args []TracedArg) ([]any, error) {
	out := make([]any, len(args))
	for i, a := range args {
		var err error
		switch a.Kind {
		case "null":
		case "time":
			var s string
			if err = json.Unmarshal(a.Value, &s); err == nil {
				out[i], err = time.Parse(time.RFC3339Nano, s)
			}
		case "duration":
			var n int64
			err = json.Unmarshal(a.Value, &n)
			out[i] = time.Duration(n)
		case "bytes":
			var s string
			if err = json.Unmarshal(a.Value, &s); err == nil {
				out[i], err = base64.StdEncoding.DecodeString(s)
			}
		case "bytes[]":
			var s []string
			err = json.Unmarshal(a.Value, &s)
			bs := make([][]byte, len(s))
			for k := range s {
				if bs[k], err = base64.StdEncoding.DecodeString(s[k]); err != nil {
					break
				}
			}
			out[i] = bs
		case "text":
			var s string
			err = json.Unmarshal(a.Value, &s)
			out[i] = s
		case "bool":
			var b bool
			err = json.Unmarshal(a.Value, &b)
			out[i] = b
		case "int":
			var n int64
			err = json.Unmarshal(a.Value, &n)
			out[i] = n
		case "float":
			var f float64
			err = json.Unmarshal(a.Value, &f)
			out[i] = f
		case "int[]":
			var v []int64
			err = json.Unmarshal(a.Value, &v)
			out[i] = v
		case "text[]":
			var v []string
			err = json.Unmarshal(a.Value, &v)
			out[i] = v
		case "json":
			var v map[string]any
			err = json.Unmarshal(a.Value, &v)
			out[i] = v
		case "list":
			var el []TracedArg
			if err = json.Unmarshal(a.Value, &el); err == nil {
				var vs []any
				if vs, err = DecodeTraceArgs(el); err == nil {
					out[i] = typedSlice(vs)
				}
			}
		default:
			err = fmt.Errorf("unknown argument kind %q", a.Kind)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// typedSlice turns []any of one element type into a slice of that type,
// which pgx encodes as an array of the matching PostgreSQL type.
func typedSlice(vs []any) any {
	if len(vs) == 0 || vs[0] == nil {
		return vs
	}
	t := reflect.TypeOf(vs[0])
	out := reflect.MakeSlice(reflect.SliceOf(t), len(vs), len(vs))
	for i, v := range vs {
		if v == nil || reflect.TypeOf(v) != t {
			return vs
		}
		out.Index(i).Set(reflect.ValueOf(v))
	}
	return out.Interface()
}

// isTransactionControl reports statements with nothing to explain.
func isTransactionControl(sql string) bool {
	s := strings.ToLower(strings.TrimSpace(sql))
	for _, p := range []string{"begin", "commit", "rollback", "savepoint", "release", "set ", "select pg_advisory"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// Explainable reports whether a traced statement can be EXPLAINed (not
// transaction control).
func Explainable(sql string) bool { return !isTransactionControl(sql) }
