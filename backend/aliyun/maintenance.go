package aliyun

import (
	"context"
	"fmt"
	"slices"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"ecs-redeploy/backend"
	"ecs-redeploy/model"
)

// maintenancePerCall is DescribeInstanceMaintenanceAttributes' limit on InstanceId.N and
// on PageSize (both 1–100).
const maintenancePerCall = 100

// MaintenanceAttributes reads the maintenance attributes of ids in region
// (DescribeInstanceMaintenanceAttributes), 100 ids a call, every page, each call paced and
// retried as every read is. An answer about an instance not asked for, a window that does
// not read as HH:mm:ss, or pages that disagree with TotalCount make the reply an error
// (backend.ErrUnprovenReply).
func (b *Backend) MaintenanceAttributes(ctx context.Context, region string, ids []string) ([]model.MaintenanceAttribute, error) {
	if err := backend.CheckInstanceIDs(ids); err != nil {
		return nil, err
	}
	var out []model.MaintenanceAttribute
	for chunk := range slices.Chunk(ids, maintenancePerCall) {
		for page := 1; ; page++ {
			got, total, err := b.describeMaintenance(ctx, region, chunk, page)
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
			if len(got) == 0 || page*maintenancePerCall >= total {
				break
			}
		}
	}
	return out, nil
}

func (b *Backend) describeMaintenance(ctx context.Context, region string, ids []string, number int) ([]model.MaintenanceAttribute, int, error) {
	const action = "DescribeInstanceMaintenanceAttributes"
	var out []model.MaintenanceAttribute
	var total int
	err := b.read(ctx, region, action, func(c *ecs.Client) error {
		req := ecs.CreateDescribeInstanceMaintenanceAttributesRequest()
		req.RegionId = region
		asked := slices.Clone(ids)
		req.InstanceId = &asked
		req.PageSize = requests.NewInteger(maintenancePerCall)
		req.PageNumber = requests.NewInteger(number)
		resp := ecs.CreateDescribeInstanceMaintenanceAttributesResponse()
		if err := c.DoAction(req, resp); err != nil {
			return err
		}
		if err := b.requireFields(action, region, resp.GetHttpContentBytes(), "MaintenanceAttributes", "TotalCount"); err != nil {
			return err
		}
		as := resp.MaintenanceAttributes.MaintenanceAttribute
		if err := b.checkPage(action, region, len(as), number, maintenancePerCall, resp.TotalCount); err != nil {
			return err
		}
		out, total = make([]model.MaintenanceAttribute, 0, len(as)), resp.TotalCount
		for _, a := range as {
			if err := b.onlyAsked(action, region, "instance", ids, a.InstanceId); err != nil {
				return err
			}
			m := model.MaintenanceAttribute{
				InstanceID:          a.InstanceId,
				Action:              model.MaintenanceAction(a.ActionOnMaintenance.Value),
				DefaultAction:       model.MaintenanceAction(a.ActionOnMaintenance.DefaultValue),
				NotifyOnMaintenance: a.NotifyOnMaintenance,
			}
			for _, v := range a.ActionOnMaintenance.SupportedValues.SupportedValue {
				m.SupportedActions = append(m.SupportedActions, model.MaintenanceAction(v))
			}
			for _, w := range a.MaintenanceWindows.MaintenanceWindow {
				mw, err := model.ParseMaintenanceWindow(w.StartTime, w.EndTime)
				if err != nil {
					return b.unproven(action, region, "instance %s: %v (RequestId %s)", a.InstanceId, err, resp.RequestId)
				}
				m.Windows = append(m.Windows, mw)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading maintenance windows: %w", err)
	}
	return out, total, nil
}
