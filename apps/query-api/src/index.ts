export * from './query.module';
export * from './segmentation/segmentation.service';
export * from './changes/change-feed';
export * from './changes/changes.module';
