package controllers

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
	"github.com/imagecatalog/ims-operator/internal/listing"
)

// shareListings keeps completed listings for window during the test.
func shareListings(t *testing.T, window time.Duration) {
	t.Helper()
	listings.Reset()
	listings.Window = window
	t.Cleanup(func() {
		listings.Window = 0
		listings.Reset()
	})
}

// listingsOf counts the first pages the simulator answered for requests with this platform:
// one per listing.
func listingsOf(platform string) (n int, accessKeys []string) {
	for _, r := range sim.Requests() {
		if r.Query.Get("__platform") == platform && r.Query.Get("marker") == "" {
			n++
			accessKeys = append(accessKeys, r.AccessKey)
		}
	}
	return n, accessKeys
}

// Identical queries asked for together are answered by one IMS listing, and each still gets
// its own result: its own nameRegex, status and claims. They are created suspended and then
// resumed, so that all three were asked for before any listing began: created one after
// another on a busy machine, the last may come more than a second after the first one's
// listing began, and then it must list afresh (a new query's listing is asked for after its
// creation, README "A requested sync is fresh"). IMS answers slowly (3 s) meanwhile, as a real
// one does a large listing: the first query's listing is still in flight when the others are
// resumed and join it. With the simulator's instant answer, the first sync could end before
// the others' resumes reached the cache, and a listing no unsuspended twin wants is not kept.
func TestIdenticalQueriesShareOneListing(t *testing.T) {
	integration(t)
	shareListings(t, time.Minute)
	ns := newNamespace(t)
	sim.ResetRequests()
	regexes := []string{"", "^Ubuntu 2", "^Ubuntu 1"}
	for i, re := range regexes {
		createQuery(t, newQuery(ns, fmt.Sprintf("ubuntu-%d", i), imsv1.ImageQuerySpec{
			// __os_type as well: no other test's query lists exactly this (a query another
			// test created a moment ago, Ubuntu alone, may still make its first listing now).
			Filter:    imsv1.ImageFilter{Platform: "Ubuntu", OSType: "Linux"},
			NameRegex: imsv1.PlainText(re),
			Suspend:   true,
		}))
	}
	slow := sim.AddFault(imssim.Fault{Delay: 3 * time.Second})
	t.Cleanup(func() { sim.RemoveFault(slow) })
	for i := range regexes {
		resume(t, ns, fmt.Sprintf("ubuntu-%d", i))
	}
	for i, re := range regexes {
		name := fmt.Sprintf("ubuntu-%d", i)
		q := waitReady(t, ns, name)
		want := expectedIDs(func(img imssim.Image) bool {
			return str(img, "__platform") == "Ubuntu" && str(img, "__os_type") == "Linux" && (re == "" || regexp.MustCompile(re).MatchString(str(img, "name")))
		})
		if got := claimedIDs(t, ns, name); !slices.Equal(got, want) || int(q.Status.MatchedImages) != len(want) {
			t.Errorf("%s (nameRegex %q): claims %v, matched %d; want %v", name, re, got, q.Status.MatchedImages, want)
		}
	}
	n := 0
	for _, r := range sim.Requests() {
		if r.Query.Get("__platform") == "Ubuntu" && r.Query.Get("__os_type") == "Linux" && r.Query.Get("marker") == "" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d IMS listings for 3 identical queries, want 1", n)
	}
}

// Identical filters with different credentials never share a listing: each query's listing
// is made with its own keys.
func TestListingsAreNeverSharedAcrossCredentials(t *testing.T) {
	integration(t)
	shareListings(t, time.Minute)
	const otherAK, otherSK = "TESTACCESSKEY0000002", "test-secret-key-do-not-print-0002"
	sim.SetCredential(otherAK, otherSK)
	t.Cleanup(func() { sim.RemoveCredential(otherAK) })
	ns := newNamespace(t)
	createSecret(t, ns, "other-credentials", map[string]string{"accessKey": otherAK, "secretKey": otherSK})
	sim.ResetRequests()
	createQuery(t, newQuery(ns, "mine", imsv1.ImageQuerySpec{Filter: imsv1.ImageFilter{Platform: "CentOS"}}))
	createQuery(t, newQuery(ns, "theirs", imsv1.ImageQuerySpec{
		Filter:               imsv1.ImageFilter{Platform: "CentOS"},
		CredentialsSecretRef: &imsv1.SecretReference{Name: "other-credentials"},
	}))
	waitReady(t, ns, "mine")
	waitReady(t, ns, "theirs")
	n, keys := listingsOf("CentOS")
	slices.Sort(keys)
	if n != 2 || !slices.Equal(keys, []string{testAK, otherAK}) {
		t.Errorf("%d listings made with %v; want one per access key", n, keys)
	}
}

// 20 queries of one account, each with its own listing, never send IMS more than the
// account's rate allows: in any stretch of time, at most burst + qps × its length requests.
func TestIMSRateLimitPerAccount(t *testing.T) {
	integration(t)
	const qps, burst = 5, 1
	listings.Reset()
	listings.QPS, listings.Burst = qps, burst
	t.Cleanup(func() {
		listings.QPS, listings.Burst = listing.DefaultIMSQPS, listing.DefaultIMSBurst
		listings.Reset()
	})
	ns := newNamespace(t)
	sim.ResetRequests()
	for i := range 20 {
		createQuery(t, newQuery(ns, fmt.Sprintf("q-%02d", i), imsv1.ImageQuerySpec{
			Filter: imsv1.ImageFilter{Name: imsv1.PlainText(fmt.Sprintf("no-such-image-%02d", i))},
		}))
	}
	for i := range 20 {
		waitReady(t, ns, fmt.Sprintf("q-%02d", i))
	}
	var times []time.Time
	for _, r := range sim.Requests() {
		if r.AccessKey == testAK {
			times = append(times, r.Time)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	if len(times) < 20 {
		t.Fatalf("%d requests for 20 queries", len(times))
	}
	// A request's way from the limiter to the simulator varies, more so on a busy machine.
	const slack = 200 * time.Millisecond
	for i := range times {
		for j := i + 1; j < len(times); j++ {
			allowed := burst + qps*(times[j].Sub(times[i])+slack).Seconds()
			if float64(j-i+1) > allowed+1e-9 {
				t.Fatalf("%d requests within %v: more than %d/s with a burst of %d", j-i+1, times[j].Sub(times[i]), qps, burst)
			}
		}
	}
}

// Queries with the same filter created together write each CloudImage at most twice between
// them (not once per query): a sync writes the claims of every query whose listing it knows.
// Every query ends up claiming every image it matches.
func TestSameFilterQueriesMergeTheirClaims(t *testing.T) {
	integration(t)
	shareListings(t, time.Minute)
	ns := newNamespace(t)
	want := expectedIDs(func(img imssim.Image) bool { return str(img, "__platform") == "Windows" })
	before := cloudImagesStored.Load()
	const k = 5
	for i := range k {
		createQuery(t, newQuery(ns, fmt.Sprintf("windows-%d", i), imsv1.ImageQuerySpec{
			Filter: imsv1.ImageFilter{Platform: "Windows"},
		}))
	}
	for i := range k {
		name := fmt.Sprintf("windows-%d", i)
		waitReady(t, ns, name)
		if got := claimedIDs(t, ns, name); !slices.Equal(got, want) {
			t.Errorf("%s claims %v, want %v", name, got, want)
		}
	}
	writes := cloudImagesStored.Load() - before
	if writes > int64(2*len(want)) {
		t.Errorf("%d CloudImage writes for %d images claimed by %d queries; want at most 2 per image", writes, len(want), k)
	}
	for name, ci := range cloudImages(t, ns) {
		if len(ci.OwnerReferences) != k {
			t.Errorf("%s has %d owners, want %d", name, len(ci.OwnerReferences), k)
		}
	}
}

// resume sets spec.suspend of a query to false.
func resume(t *testing.T, ns, name string) {
	t.Helper()
	q := getQuery(t, ns, name)
	patch := client.MergeFrom(q.DeepCopy())
	q.Spec.Suspend = false
	if err := k8s.Patch(context.Background(), q, patch); err != nil {
		t.Fatal(err)
	}
}
