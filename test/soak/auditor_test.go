package soak

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/pause"
)

// deletionWindow is how long an image must have been claimed without a break, as the
// simulator's truth has it, for its CloudImage's deletion to be a loss: a scheduled sync may
// act on a shared listing up to 2 minutes old (README, Performance), and its writes may be
// held up by an API server outage, so an image that came back within the window may go.
const deletionWindow = 3 * time.Minute

// guardDelay is the manager's --deletion-guard-delay (its default): a removal over the guard's
// share waits for a listing taken this long after the first.
const guardDelay = 2 * time.Minute

// auditor watches every CloudImage, ImageQuery and export ConfigMap (informers: a watch,
// resumed after outages, with a relist whose differences count as events) and checks, on
// every event, what must hold at every moment: no CloudImage of an image that IMS still
// lists (and a query claims) is deleted, no query drops its claim on such an image, and no
// CloudImage has an owner twice. It also counts writes and syncs.
type auditor struct {
	h       *history
	tenants map[string]tenant
	cache   cache.Cache // the informers' state

	mu         sync.Mutex
	checks     int
	violations []string
	shortPage  []string // deletions that one short 200 page explains (see deleted)
	cutTwice   []string // deletions that two cut listings explain
	writes     map[string][]time.Time
	syncs      int
	logf       func(format string, args ...any) // each violation as it is found, with its time
}

func newAuditor(h *history, tenants []tenant) *auditor {
	a := &auditor{h: h, tenants: map[string]tenant{}, writes: map[string][]time.Time{}}
	for _, t := range tenants {
		a.tenants[t.namespace] = t
	}
	return a
}

// start runs the informers until ctx ends and waits for their first listing.
func (a *auditor) start(ctx context.Context) error {
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, ByObject: map[client.Object]cache.ByObject{
		&corev1.ConfigMap{}: {Label: labels.SelectorFromSet(labels.Set{imsv1.LabelManagedBy: imsv1.ManagedByValue})},
	}})
	if err != nil {
		return err
	}
	for _, obj := range []client.Object{&imsv1.CloudImage{}, &imsv1.ImageQuery{}, &corev1.ConfigMap{}} {
		inf, err := c.GetInformer(ctx, obj)
		if err != nil {
			return err
		}
		if _, err := inf.AddEventHandler(a.handler()); err != nil {
			return err
		}
	}
	a.cache = c
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return fmt.Errorf("the auditor's informers did not sync")
	}
	return nil
}

func (a *auditor) handler() toolscache.ResourceEventHandler {
	return toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { a.written(nil, obj.(client.Object)) },
		UpdateFunc: func(old, obj any) {
			if old.(client.Object).GetResourceVersion() != obj.(client.Object).GetResourceVersion() {
				a.written(old.(client.Object), obj.(client.Object)) // not a relist's unchanged object
			}
		},
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj // deleted while the watch was down: seen at the relist
			}
			o := obj.(client.Object)
			a.count(o, time.Now())
			if ci, ok := o.(*imsv1.CloudImage); ok {
				a.deleted(ci, time.Now())
			}
		},
	}
}

func kindOf(o client.Object) string {
	switch o.(type) {
	case *imsv1.CloudImage:
		return "CloudImage"
	case *imsv1.ImageQuery:
		return "ImageQuery"
	}
	return "ConfigMap"
}

func (a *auditor) count(o client.Object, at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := kindOf(o)
	a.writes[k] = append(a.writes[k], at)
}

// written counts a create or an update and checks the object.
func (a *auditor) written(old, obj client.Object) {
	a.count(obj, time.Now())
	switch o := obj.(type) {
	case *imsv1.CloudImage:
		a.check(duplicateOwner(o))
		if prev, ok := old.(*imsv1.CloudImage); ok {
			a.released(prev, o, time.Now())
		}
	case *imsv1.ImageQuery:
		if prev, ok := old.(*imsv1.ImageQuery); ok && !o.Status.LastSyncTime.Equal(prev.Status.LastSyncTime) {
			a.mu.Lock()
			a.syncs++
			a.mu.Unlock()
		}
	}
}

// check counts one invariant check and records its violation ("" = none).
func (a *auditor) check(violation string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.checks++
	if violation != "" {
		v := time.Now().Format(time.TimeOnly) + " " + violation
		a.violations = append(a.violations, v)
		if a.logf != nil {
			a.logf("violation: %s", v) // beside the manager's log lines of that moment
		}
	}
}

func duplicateOwner(ci *imsv1.CloudImage) string {
	seen := map[types.UID]bool{}
	for _, ref := range ci.OwnerReferences {
		if seen[ref.UID] {
			return fmt.Sprintf("CloudImage %s/%s has the owner %s %s twice", ci.Namespace, ci.Name, ref.Kind, ref.Name)
		}
		seen[ref.UID] = true
	}
	return ""
}

// deleted judges a CloudImage's deletion against the truth at its time: a loss if a query of
// its namespace has claimed the image without a break for deletionWindow. The exception is
// the operator's documented behaviour (README, Reliability): a 200 page shorter than asked
// ends a listing (the client cannot tell it from the end of the catalog); a removal of few
// images, or of less than the deletion guard's share, is applied at once, a larger one when a
// listing taken --deletion-guard-delay after the first still shows it. A loss that such pages
// explain (the simulator records which IDs a short page kept from which client) is counted
// apart, by whether the guard had to confirm it; a large removal on cut listings less than
// the delay apart is a violation: the guard must have held it.
//
// A deletion is the loss of the claims the object still carried: a query whose claim was
// released before lost the image then (judged by released at that moment), and one that never
// claimed it (its syncs failing meanwhile) loses nothing by another query's release. Judging
// those again here took a release that a short page explained, followed 12 minutes later by
// the last claimant's rightful release, for a loss without explanation.
func (a *auditor) deleted(ci *imsv1.CloudImage, at time.Time) {
	a.lost(ci, "deleted", at, func(name string) bool { return ci.Labels[imsv1.QueryLabel(name)] == "true" })
}

// released judges the claims an update took away (a query label gone) as deleted judges a
// deletion: a query that drops an image IMS still lists to it has lost it, even while
// another query keeps the CloudImage.
func (a *auditor) released(old, ci *imsv1.CloudImage, at time.Time) {
	dropped := map[string]bool{}
	for _, tpl := range a.h.tpls {
		label := imsv1.QueryLabel(tpl.name)
		if old.Labels[label] == "true" && ci.Labels[label] != "true" {
			dropped[tpl.name] = true
		}
	}
	if len(dropped) > 0 {
		a.lost(ci, "released", at, func(name string) bool { return dropped[name] })
	}
}

// lost judges the loss of ci by the templates that lose says (all of them for a deletion).
func (a *auditor) lost(ci *imsv1.CloudImage, how string, at time.Time, lose func(template string) bool) {
	t, ok := a.tenants[ci.Namespace]
	if !ok {
		return
	}
	violation, why, confirmed := "", "", false
	for i, tpl := range a.h.tpls {
		if !lose(tpl.name) {
			continue
		}
		since, claimed := a.h.claimedSince(i, ci.Name)
		if !claimed || at.Sub(since) < deletionWindow {
			continue
		}
		cuts := withheldFrom(t, tpl, ci.Name, at.Add(-guardDelay-deletionWindow))
		v, w, large := explain(a.h, i, cuts, at)
		if v != "" {
			violation = fmt.Sprintf("CloudImage %s/%s %s while IMS lists it and query %s has claimed it since %s%s",
				ci.Namespace, ci.Name, how, tpl.name, since.Format(time.TimeOnly), v)
			break
		}
		// Each claiming query needs an explanation of its own.
		why = fmt.Sprintf("%s %s/%s %s (query %s): %s", at.Format(time.TimeOnly), ci.Namespace, ci.Name, how, tpl.name, w)
		confirmed = confirmed || large
	}
	if violation == "" && why != "" {
		a.mu.Lock()
		if confirmed {
			a.cutTwice = append(a.cutTwice, why)
		} else {
			a.shortPage = append(a.shortPage, why)
		}
		a.mu.Unlock()
	}
	a.check(violation)
}

// explain looks for the cut listing that explains a loss of template i seen at: the loss
// happened at or before at (a watch that was down sees it at its relist, maybe a minute
// later), by a sync that acted on a listing within deletionWindow before at. A cut that
// withheld few of the query's images explains it (such a removal is applied at once); one
// that withheld most of them (over half and over 5; judged here with a margin, as the claims
// may have changed since) only when an earlier cut, --deletion-guard-delay before it, withheld
// the image too (the guard confirmed the removal by a listing cut the same way). It returns
// the violation ("" when explained), else the explanation and whether it was a large removal.
func explain(h *history, i int, cuts []cut, at time.Time) (violation, why string, large bool) {
	if len(cuts) == 0 || at.Sub(cuts[len(cuts)-1].at) > deletionWindow {
		return ", with no cut listing to explain it", "", false
	}
	violation = ""
	for j := len(cuts) - 1; j >= 0 && at.Sub(cuts[j].at) <= deletionWindow; j-- {
		c := cuts[j]
		removed, all := h.claimedAmong(i, c.withheld)
		if !(removed > 10 && removed*10 > all*7) {
			return "", c.desc, false
		}
		if c.at.Sub(cuts[0].at) >= guardDelay-5*time.Second {
			return "", c.desc, true
		}
		if violation == "" {
			violation = fmt.Sprintf(", on cut listings that withheld %d of the %d images it claims, the first %s before the last: the deletion guard did not wait for a listing %s later (%s)",
				removed, all, c.at.Sub(cuts[0].at).Round(time.Second), guardDelay, c.desc)
		}
	}
	return violation, "", false
}

// cut is a short page that kept an image from the operator.
type cut struct {
	at       time.Time
	withheld []string
	desc     string
}

// withheldFrom is the short pages, served to tenant t's listings of tpl's filter after from,
// that kept id from the operator, oldest first.
func withheldFrom(t tenant, tpl template, id string, from time.Time) []cut {
	want, _ := url.ParseQuery(tpl.wire)
	var cuts []cut
	for _, r := range sim.Requests() {
		if r.Time.Before(from) || !slices.Contains(r.Withheld, id) || !sameFilter(r.Query, want) {
			continue
		}
		if t.serviceAccount && r.Identity != "system:serviceaccount:"+t.namespace+":"+tenantServiceAccount ||
			!t.serviceAccount && r.AccessKey != t.ak {
			continue
		}
		cuts = append(cuts, cut{at: r.Time, withheld: r.Withheld,
			desc: fmt.Sprintf("a page %d short by %d at %s withheld it", r.Page, r.Fault.Drop, r.Time.Format(time.TimeOnly))})
	}
	return cuts
}

// sameFilter compares a listing request's filter, without the paging and sorting the
// operator drives, with want.
func sameFilter(q, want url.Values) bool {
	n := 0
	for k, vs := range q {
		switch k {
		case "marker", "limit", "sort_key", "sort_dir":
			continue
		}
		n++
		if !slices.Equal(vs, want[k]) {
			return false
		}
	}
	return n == len(want)
}

// writesBetween counts the writes of kind seen in [from, to).
func (a *auditor) writesBetween(kind string, from, to time.Time) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, at := range a.writes[kind] {
		if !at.Before(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// caughtUp waits until the auditor's informers hold every CloudImage, ImageQuery and export
// ConfigMap at the version a live listing gives: after an outage they relist with backoff, and
// the writes they see late would count when seen. False if they do not catch up within timeout.
func (a *auditor) caughtUp(ctx context.Context, timeout time.Duration) bool {
	managed := client.MatchingLabels{imsv1.LabelManagedBy: imsv1.ManagedByValue}
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); pause.For(ctx, time.Second) {
		var cis imsv1.CloudImageList
		var iqs imsv1.ImageQueryList
		var cms corev1.ConfigMapList
		var seen imsv1.CloudImageList
		var seenQ imsv1.ImageQueryList
		var seenCM corev1.ConfigMapList
		if k8s.List(ctx, &cis) != nil || k8s.List(ctx, &iqs) != nil || k8s.List(ctx, &cms, managed) != nil ||
			a.cache.List(ctx, &seen) != nil || a.cache.List(ctx, &seenQ) != nil || a.cache.List(ctx, &seenCM, managed) != nil {
			continue
		}
		if sameVersions(cis.Items, seen.Items) && sameVersions(iqs.Items, seenQ.Items) && sameVersions(cms.Items, seenCM.Items) {
			return true
		}
	}
	return false
}

// sameVersions tells whether two listings hold the same objects at the same versions.
func sameVersions[T any, PT interface {
	*T
	client.Object
}](live, seen []T) bool {
	if len(live) != len(seen) {
		return false
	}
	versions := make(map[types.UID]string, len(seen))
	for i := range seen {
		o := PT(&seen[i])
		versions[o.GetUID()] = o.GetResourceVersion()
	}
	for i := range live {
		o := PT(&live[i])
		if versions[o.GetUID()] != o.GetResourceVersion() {
			return false
		}
	}
	return true
}
