export * from './query.module';
export * from './segmentation/run-segmentation';
export * from './segmentation/segmentation.service';
