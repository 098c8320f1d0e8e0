// SPDX-License-Identifier: GPL-2.0
/*
 * resctl_misc_test: plays KVM's part for the misc cgroup controller in the
 * kernel test tier, where no SEV hardware gives misc a capacity.
 *
 * Load parameters sev= and sev_es= set misc.capacity. /proc/resctl_misc_test
 * takes one command per write, applied to the writer's misc cgroup:
 *   "charge RES N"     misc_cg_try_charge(): the write fails with its errno
 *   "uncharge RES N"   misc_cg_uncharge() of N held by this cgroup
 *   "capacity RES N"   misc_cg_set_capacity()
 * Reading it lists what is held: "RES N CGROUP-PATH" per line.
 * Unloading uncharges everything and sets both capacities back to 0.
 */
#include <linux/cgroup.h>
#include <linux/list.h>
#include <linux/misc_cgroup.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

static ulong sev = 16, sev_es = 4;
module_param(sev, ulong, 0444);
module_param(sev_es, ulong, 0444);

struct held {
	struct list_head link;
	enum misc_res_type type;
	struct misc_cg *cg;	/* a reference: the cgroup may go, the charge not */
	u64 amount;
};

static LIST_HEAD(helds);
static DEFINE_MUTEX(helds_lock);

static const char *res_name(enum misc_res_type t)
{
	return t == MISC_CG_RES_SEV ? "sev" : "sev_es";
}

static int res_type(const char *name, enum misc_res_type *t)
{
	if (!strcmp(name, "sev"))
		*t = MISC_CG_RES_SEV;
	else if (!strcmp(name, "sev_es"))
		*t = MISC_CG_RES_SEV_ES;
	else
		return -EINVAL;
	return 0;
}

static struct held *held_find(enum misc_res_type t, struct misc_cg *cg)
{
	struct held *h;

	list_for_each_entry(h, &helds, link)
		if (h->type == t && h->cg == cg)
			return h;
	return NULL;
}

static int do_charge(enum misc_res_type t, u64 n)
{
	struct misc_cg *cg = get_current_misc_cg();
	struct held *h = held_find(t, cg);
	int r;

	if (!h) {
		h = kzalloc(sizeof(*h), GFP_KERNEL);
		if (!h) {
			put_misc_cg(cg);
			return -ENOMEM;
		}
		h->type = t;
		h->cg = cg;
		list_add_tail(&h->link, &helds);
	} else
		put_misc_cg(cg);
	r = misc_cg_try_charge(t, h->cg, n);
	if (!r)
		h->amount += n;
	if (!h->amount) {
		list_del(&h->link);
		put_misc_cg(h->cg);
		kfree(h);
	}
	return r;
}

static int do_uncharge(enum misc_res_type t, u64 n)
{
	struct misc_cg *cg = get_current_misc_cg();
	struct held *h = held_find(t, cg);

	put_misc_cg(cg);
	if (!h || h->amount < n)
		return -ENOENT;
	misc_cg_uncharge(t, h->cg, n);
	h->amount -= n;
	if (!h->amount) {
		list_del(&h->link);
		put_misc_cg(h->cg);
		kfree(h);
	}
	return 0;
}

static ssize_t cmd_write(struct file *f, const char __user *ubuf, size_t len, loff_t *off)
{
	char buf[80], verb[16], name[16];
	enum misc_res_type t;
	unsigned long long n;
	int r;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = 0;
	if (sscanf(buf, "%15s %15s %llu", verb, name, &n) != 3 || res_type(name, &t))
		return -EINVAL;
	mutex_lock(&helds_lock);
	if (!strcmp(verb, "charge"))
		r = do_charge(t, n);
	else if (!strcmp(verb, "uncharge"))
		r = do_uncharge(t, n);
	else if (!strcmp(verb, "capacity"))
		r = misc_cg_set_capacity(t, n);
	else
		r = -EINVAL;
	mutex_unlock(&helds_lock);
	return r ? r : len;
}

static int cmd_show(struct seq_file *m, void *v)
{
	char *path = kmalloc(PATH_MAX, GFP_KERNEL);
	struct held *h;

	if (!path)
		return -ENOMEM;
	mutex_lock(&helds_lock);
	list_for_each_entry(h, &helds, link) {
		cgroup_path(h->cg->css.cgroup, path, PATH_MAX);
		seq_printf(m, "%s %llu %s\n", res_name(h->type), (unsigned long long)h->amount, path);
	}
	mutex_unlock(&helds_lock);
	kfree(path);
	return 0;
}

static int cmd_open(struct inode *inode, struct file *file)
{
	return single_open(file, cmd_show, NULL);
}

static const struct proc_ops cmd_ops = {
	.proc_open = cmd_open,
	.proc_read = seq_read,
	.proc_write = cmd_write,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
};

static int __init misc_test_init(void)
{
	int r = misc_cg_set_capacity(MISC_CG_RES_SEV, sev);

	if (!r)
		r = misc_cg_set_capacity(MISC_CG_RES_SEV_ES, sev_es);
	if (!r && !proc_create("resctl_misc_test", 0600, NULL, &cmd_ops))
		r = -ENOMEM;
	if (r) {
		misc_cg_set_capacity(MISC_CG_RES_SEV, 0);
		misc_cg_set_capacity(MISC_CG_RES_SEV_ES, 0);
	}
	return r;
}

static void __exit misc_test_exit(void)
{
	struct held *h, *tmp;

	remove_proc_entry("resctl_misc_test", NULL);
	list_for_each_entry_safe(h, tmp, &helds, link) {
		misc_cg_uncharge(h->type, h->cg, h->amount);
		put_misc_cg(h->cg);
		list_del(&h->link);
		kfree(h);
	}
	misc_cg_set_capacity(MISC_CG_RES_SEV, 0);
	misc_cg_set_capacity(MISC_CG_RES_SEV_ES, 0);
}

module_init(misc_test_init);
module_exit(misc_test_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("resctl test aid: charge the misc cgroup controller without SEV hardware");
