    def configure_optimizers(self) -> OptimizerLRScheduler:
        optimizer = self.optimizer(self.parameters())
        if self.scheduler is None:
            return optimizer
{%- if scheduler == 'onecycle' %}
        # One cycle over the whole run: its length is the number of optimizer steps.
        schedule = self.scheduler(optimizer, total_steps=self.trainer.estimated_stepping_batches)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
{%- else %}
        return {"optimizer": optimizer, "lr_scheduler": self.scheduler(optimizer)}
{%- endif %}