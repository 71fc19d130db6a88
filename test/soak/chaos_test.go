package soak

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/imagecatalog/ims-operator/internal/controlplane"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/pause"
)

// The chaos: three loops, each with a random stream of its own drawn from the phase's seed,
// so that a seed replays the same sequence of faults, catalog changes and disruptions (their
// interleaving with the manager's work is up to the machine).

// tally counts things by kind, for the summary.
type tally struct {
	mu sync.Mutex
	n  map[string]int
}

func (t *tally) add(kind string, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = map[string]int{}
	}
	t.n[kind] += n
}

func (t *tally) snapshot() map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int, len(t.n))
	for k, v := range t.n {
		out[k] = v
	}
	return out
}

// stream is a random stream of the seed for one loop.
func stream(seed int64, loop uint64) *rand.Rand { return rand.New(rand.NewPCG(uint64(seed), loop)) }

// between is a random duration in [lo, hi).
func between(rng *rand.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(rng.Int64N(int64(hi-lo)))
}

// faultKinds are the IMS faults the soak injects, each as the simulator makes it.
var faultKinds = []struct {
	name string
	make func(rng *rand.Rand) imssim.Fault
}{
	{"5xx", func(rng *rand.Rand) imssim.Fault {
		// Up to 4 in a row, so that some outlast the client's own retries.
		return imssim.Fault{Status: []int{500, 502, 503}[rng.IntN(3)], Times: 1 + rng.IntN(4)}
	}},
	{"429", func(rng *rand.Rand) imssim.Fault {
		return imssim.Fault{Status: http.StatusTooManyRequests, RetryAfter: fmt.Sprint(1 + rng.IntN(2)), Times: 1 + rng.IntN(3)}
	}},
	{"dropped-connection", func(*rand.Rand) imssim.Fault { return imssim.Fault{Hangup: true, Times: 1} }},
	{"truncated-body", func(rng *rand.Rand) imssim.Fault {
		return imssim.Fault{Body: []string{imssim.BodyTruncated, imssim.BodyCut}[rng.IntN(2)], Times: 1}
	}},
	{"empty-200-page", func(*rand.Rand) imssim.Fault { return imssim.Fault{OnPage: 1, Drop: 1000, Times: 1} }},
	{"short-200-page", func(rng *rand.Rand) imssim.Fault { return imssim.Fault{Drop: 1 + rng.IntN(20), Times: 1} }},
	{"slow-answer", func(rng *rand.Rand) imssim.Fault {
		return imssim.Fault{Delay: between(rng, time.Second, 6*time.Second), Times: 1 + rng.IntN(3)}
	}},
	{"iam-5xx", func(*rand.Rand) imssim.Fault {
		return imssim.Fault{API: imssim.APIIAMSecurityToken, Status: http.StatusServiceUnavailable, Times: 1}
	}},
}

// injectFaults installs one random fault every 0.5-4 s; each is taken out again after a
// while, counting how often it fired.
func injectFaults(ctx context.Context, seed int64, fired *tally) {
	rng := stream(seed, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	for pause.For(ctx, between(rng, 500*time.Millisecond, 4*time.Second)) {
		kind := faultKinds[rng.IntN(len(faultKinds))]
		id := sim.AddFault(kind.make(rng))
		wg.Add(1)
		go func() {
			defer wg.Done()
			pause.For(ctx, 2*time.Minute) // IAM is asked rarely; IMS faults fire within seconds
			fired.add(kind.name, sim.RemoveFault(id))
		}()
	}
}

// churnCatalog makes one catalog change every 0.5-3 s.
func churnCatalog(ctx context.Context, seed int64, h *history, kinds *tally, lastAdd *time.Time) {
	rng := stream(seed, 2)
	churn := imssim.NewChurn(sim, rng.Int64(), nil)
	for pause.For(ctx, between(rng, 500*time.Millisecond, 3*time.Second)) {
		var ev imssim.ChurnEvent
		h.change(func() { ev = churn.Step() })
		kinds.add(string(ev.Kind), 1)
		if ev.Kind == imssim.ChurnAdd {
			*lastAdd = time.Now()
		}
	}
}

// disrupt takes the control plane or the manager down every 5-25 s: kube-apiserver killed
// and restarted 2-10 s later, etcd paused for 2-8 s, or the manager killed with SIGKILL and
// started again 0-3 s later; the three kinds in a random order in each round of three, so
// that even a short run has each. An error here (a kube-apiserver that does not come back)
// ends the soak.
func disrupt(ctx context.Context, seed int64, m *manager, kinds *tally) error {
	rng := stream(seed, 3)
	var round []int
	for pause.For(ctx, between(rng, 5*time.Second, 25*time.Second)) {
		if len(round) == 0 {
			round = rng.Perm(3)
		}
		kind := round[0]
		round = round[1:]
		switch kind {
		case 0:
			if err := cluster.APIServerDown(between(rng, 2*time.Second, 10*time.Second)); err != nil {
				return fmt.Errorf("kube-apiserver restart: %w", err)
			}
			kinds.add("kube-apiserver restarted", 1)
		case 1:
			if err := controlplane.PauseEtcd(between(rng, 2*time.Second, 8*time.Second)); err != nil {
				return fmt.Errorf("etcd pause: %w", err)
			}
			kinds.add("etcd paused", 1)
		default:
			m.kill()
			time.Sleep(between(rng, 0, 3*time.Second))
			if err := m.start(); err != nil {
				return err
			}
			kinds.add("manager SIGKILLed", 1)
		}
	}
	return nil
}
