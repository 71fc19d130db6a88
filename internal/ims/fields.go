package ims

// field says how to store one known wire field into an Image. Exactly one
// accessor is set.
type field struct {
	str     func(*Image) *string
	flag    func(*Image) *bool
	optBool func(*Image) **bool
	optInt  func(*Image) **int64
	tags    bool
}

// imageFields maps each documented wire name to its Image field.
var imageFields = map[string]field{
	"id":         {str: func(i *Image) *string { return &i.ID }},
	"name":       {str: func(i *Image) *string { return &i.Name }},
	"status":     {str: func(i *Image) *string { return &i.Status }},
	"visibility": {str: func(i *Image) *string { return &i.Visibility }},
	"owner":      {str: func(i *Image) *string { return &i.Owner }},
	"file":       {str: func(i *Image) *string { return &i.File }},
	"self":       {str: func(i *Image) *string { return &i.Self }},
	"schema":     {str: func(i *Image) *string { return &i.Schema }},
	"checksum":   {str: func(i *Image) *string { return &i.Checksum }},

	"size":      {optInt: func(i *Image) **int64 { return &i.Size }},
	"tags":      {tags: true},
	"deleted":   {optBool: func(i *Image) **bool { return &i.Deleted }},
	"protected": {optBool: func(i *Image) **bool { return &i.Protected }},

	"container_format": {str: func(i *Image) *string { return &i.ContainerFormat }},
	"disk_format":      {str: func(i *Image) *string { return &i.DiskFormat }},
	"min_ram":          {optInt: func(i *Image) **int64 { return &i.MinRAM }},
	"min_disk":         {optInt: func(i *Image) **int64 { return &i.MinDisk }},
	"max_ram":          {str: func(i *Image) *string { return &i.MaxRAM }},

	"created_at": {str: func(i *Image) *string { return &i.CreatedAt }},
	"updated_at": {str: func(i *Image) *string { return &i.UpdatedAt }},
	"deleted_at": {str: func(i *Image) *string { return &i.DeletedAt }},

	"__os_bit":       {str: func(i *Image) *string { return &i.OSBit }},
	"__os_version":   {str: func(i *Image) *string { return &i.OSVersion }},
	"__description":  {str: func(i *Image) *string { return &i.Description }},
	"__isregistered": {optBool: func(i *Image) **bool { return &i.IsRegistered }},

	"__platform":          {str: func(i *Image) *string { return &i.Platform }},
	"__os_type":           {str: func(i *Image) *string { return &i.OSType }},
	"virtual_env_type":    {str: func(i *Image) *string { return &i.VirtualEnvType }},
	"__image_source_type": {str: func(i *Image) *string { return &i.ImageSourceType }},
	"__imagetype":         {str: func(i *Image) *string { return &i.ImageType }},

	"virtual_size": {optInt: func(i *Image) **int64 { return &i.VirtualSize }},

	"__originalimagename": {str: func(i *Image) *string { return &i.OriginalImageName }},
	"__backup_id":         {str: func(i *Image) *string { return &i.BackupID }},
	"__productcode":       {str: func(i *Image) *string { return &i.ProductCode }},
	"__image_size":        {str: func(i *Image) *string { return &i.ImageSize }},
	"__data_origin":       {str: func(i *Image) *string { return &i.DataOrigin }},

	"__support_kvm":             {flag: func(i *Image) *bool { return &i.SupportKVM }},
	"__support_xen":             {flag: func(i *Image) *bool { return &i.SupportXen }},
	"__support_largememory":     {flag: func(i *Image) *bool { return &i.SupportLargeMemory }},
	"__support_diskintensive":   {flag: func(i *Image) *bool { return &i.SupportDiskIntensive }},
	"__support_highperformance": {flag: func(i *Image) *bool { return &i.SupportHighPerformance }},
	"__support_xen_hana":        {flag: func(i *Image) *bool { return &i.SupportXenHANA }},
	"__support_kvm_infiniband":  {flag: func(i *Image) *bool { return &i.SupportKVMInfiniband }},

	"__support_xen_gpu_type": {str: func(i *Image) *string { return &i.SupportXenGPUType }},
	"__support_kvm_gpu_type": {str: func(i *Image) *string { return &i.SupportKVMGPUType }},

	"__system_support_market": {optBool: func(i *Image) **bool { return &i.SystemSupportMarket }},
	"__is_offshelved":         {optBool: func(i *Image) **bool { return &i.IsOffshelved }},

	"enterprise_project_id": {str: func(i *Image) *string { return &i.EnterpriseProjectID }},
	"__root_origin":         {str: func(i *Image) *string { return &i.RootOrigin }},
	"__sequence_num":        {str: func(i *Image) *string { return &i.SequenceNum }},

	"__support_fc_inject": {optBool: func(i *Image) **bool { return &i.SupportFCInject }},
	"__support_arm":       {optBool: func(i *Image) **bool { return &i.SupportARM }},

	"hw_firmware_type": {str: func(i *Image) *string { return &i.HWFirmwareType }},
}
