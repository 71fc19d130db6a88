package soak

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imsv1 "github.com/imagecatalog/ims-operator/api/v1alpha1"
	"github.com/imagecatalog/ims-operator/internal/imssim"
)

// defaultMaxStatusImages is status.images' default bound (README).
const defaultMaxStatusImages = 100

// converged compares every tenant's state with the simulator's truth and returns every
// difference, and how many comparisons it made: each query's Ready condition,
// matchedImages, images and latestImage, its export ConfigMap; each namespace's CloudImages
// exactly the union of its queries' matches, each with exactly its claiming queries as query
// labels and owners (once each), the record's labels, name, status and tags as IMS lists them.
func converged(ctx context.Context, tpls []template, tenants []tenant) (problems []string, checks int) {
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	listings := map[string][]imssim.Image{}
	for _, tpl := range tpls {
		l, err := sim.Listing(tpl.wire)
		if err != nil {
			return []string{err.Error()}, 0
		}
		listings[tpl.name] = l
	}
	for _, t := range tenants {
		var cis imsv1.CloudImageList
		var cms corev1.ConfigMapList
		if err := k8s.List(ctx, &cis, client.InNamespace(t.namespace)); err != nil {
			return []string{err.Error()}, checks
		}
		if err := k8s.List(ctx, &cms, client.InNamespace(t.namespace)); err != nil {
			return []string{err.Error()}, checks
		}
		claims := map[string]map[types.UID]string{} // image ID -> claiming query UIDs -> names
		truth := map[string]imssim.Image{}
		for _, tpl := range tpls {
			q := &imsv1.ImageQuery{}
			if err := k8s.Get(ctx, client.ObjectKey{Namespace: t.namespace, Name: tpl.name}, q); err != nil {
				return []string{err.Error()}, checks
			}
			at := time.Now()
			if q.Status.LastSyncTime != nil {
				at = q.Status.LastSyncTime.Time
			}
			matches := tpl.matches(listings[tpl.name], at)
			for _, img := range matches {
				if claims[img.ID()] == nil {
					claims[img.ID()] = map[types.UID]string{}
				}
				claims[img.ID()][q.UID] = q.Name
				truth[img.ID()] = img
			}
			checks += 5
			name := t.namespace + "/" + q.Name
			if c := meta.FindStatusCondition(q.Status.Conditions, imsv1.ConditionReady); c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != q.Generation {
				bad("%s is not Ready for its generation: %+v", name, c)
			}
			if int(q.Status.MatchedImages) != len(matches) {
				bad("%s: matchedImages %d, IMS has %d matches", name, q.Status.MatchedImages, len(matches))
			}
			want := idsOf(matches[:min(len(matches), defaultMaxStatusImages)])
			if got := summaryIDs(q.Status.Images); !slices.Equal(got, want) {
				bad("%s: status.images %d IDs, want the %d first matches in listing order", name, len(got), len(want))
			}
			latest := tpl.latest(matches)
			switch {
			case latest == nil && q.Status.LatestImage != nil:
				bad("%s: latestImage %s, but nothing matches", name, q.Status.LatestImage.ID)
			case latest != nil && (q.Status.LatestImage == nil || q.Status.LatestImage.ID != latest.ID() || q.Status.LatestImage.Name != latest["name"]):
				bad("%s: latestImage %+v, want %s %q", name, q.Status.LatestImage, latest.ID(), latest["name"])
			}
			if tpl.export != "" && latest != nil {
				bad2 := exportDiffers(cms.Items, tpl.export, latest)
				if bad2 != "" {
					bad("%s: export %s", name, bad2)
				}
			}
		}
		checks++
		var got []string
		for _, ci := range cis.Items {
			got = append(got, ci.Name)
		}
		if want := slices.Sorted(maps.Keys(claims)); !slices.Equal(slices.Sorted(slices.Values(got)), want) {
			bad("%s: %d CloudImages, want the %d claimed (missing %v, extra %v)", t.namespace, len(got), len(want),
				missing(want, got), missing(got, want))
		}
		for i := range cis.Items {
			checks++
			if p := cloudImageDiffers(&cis.Items[i], claims[cis.Items[i].Name], truth[cis.Items[i].Name]); p != "" {
				bad("CloudImage %s/%s: %s", t.namespace, cis.Items[i].Name, p)
			}
		}
	}
	return problems, checks
}

// cloudImageDiffers says how a CloudImage differs from its claims and the IMS record.
func cloudImageDiffers(ci *imsv1.CloudImage, claims map[types.UID]string, img imssim.Image) string {
	if img == nil {
		return "" // extra: reported with the namespace
	}
	var owners []string
	seen := map[types.UID]bool{}
	for _, ref := range ci.OwnerReferences {
		if seen[ref.UID] || claims[ref.UID] == "" {
			return fmt.Sprintf("owners %v, want the claiming queries %v once each", ci.OwnerReferences, slices.Sorted(maps.Values(claims)))
		}
		seen[ref.UID] = true
		owners = append(owners, ref.Name)
	}
	if len(owners) != len(claims) {
		return fmt.Sprintf("owners %v, want %v", owners, slices.Sorted(maps.Values(claims)))
	}
	var queryLabels []string
	for k, v := range ci.Labels {
		if imsv1.IsQueryLabel(k) && v == "true" {
			queryLabels = append(queryLabels, k)
		}
	}
	var wantLabels []string
	for _, name := range claims {
		wantLabels = append(wantLabels, imsv1.QueryLabel(name))
	}
	if !slices.Equal(slices.Sorted(slices.Values(queryLabels)), slices.Sorted(slices.Values(wantLabels))) {
		return fmt.Sprintf("query labels %v, want %v", queryLabels, wantLabels)
	}
	str := func(k string) string { s, _ := img[k].(string); return s }
	for label, want := range map[string]string{
		imsv1.LabelManagedBy: imsv1.ManagedByValue, imsv1.LabelRegion: region,
		imsv1.LabelStatus: imsv1.LabelValue(str("status")), imsv1.LabelPlatform: imsv1.LabelValue(str("__platform")),
	} {
		if ci.Labels[label] != want {
			return fmt.Sprintf("label %s=%q, want %q", label, ci.Labels[label], want)
		}
	}
	var tags []string
	if list, ok := img["tags"].([]any); ok {
		for _, t := range list {
			tags = append(tags, t.(string))
		}
	}
	if ci.Image.Name != str("name") || ci.Image.Status != str("status") || !slices.Equal(ci.Image.Tags, tags) {
		return fmt.Sprintf("record name %q status %q tags %v, IMS lists %q %q %v", ci.Image.Name, ci.Image.Status, ci.Image.Tags, str("name"), str("status"), tags)
	}
	return ""
}

// exportDiffers says how the export ConfigMap differs from the latest image.
func exportDiffers(cms []corev1.ConfigMap, name string, latest imssim.Image) string {
	for _, cm := range cms {
		if cm.Name != name {
			continue
		}
		for k, want := range map[string]string{"imageID": latest.ID(), "imageName": latest["name"].(string), "region": region,
			"platform": latest["__platform"].(string), "osVersion": latest["__os_version"].(string)} {
			if cm.Data[k] != want {
				return fmt.Sprintf("%s=%q, want %q", k, cm.Data[k], want)
			}
		}
		return ""
	}
	return "missing"
}

func idsOf(images []imssim.Image) []string {
	out := make([]string, len(images))
	for i, img := range images {
		out[i] = img.ID()
	}
	return out
}

func summaryIDs(s []imsv1.ImageSummary) []string {
	out := make([]string, len(s))
	for i, img := range s {
		out[i] = img.ID
	}
	return out
}

// missing is what want has and got lacks (at most 5, for messages).
func missing(want, got []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(got, w) && len(out) < 5 {
			out = append(out, w)
		}
	}
	return out
}
