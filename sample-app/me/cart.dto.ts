import { IsArray, IsString } from 'class-validator';

export class CartDto {
  @IsArray()
  @IsString({ each: true })
  items: string[];
}
